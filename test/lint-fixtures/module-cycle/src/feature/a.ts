// Two modules of one folder that import each other at run time (import-x/no-cycle).
import { b } from './b';

export const a = (): number => b() + 1;
