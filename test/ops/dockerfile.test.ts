import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  body: Instruction[];
}

/** Dockerfile instructions: comments dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [, op, args] = /^(\w+)\s+([\s\S]*)$/.exec(l) ?? [];
      return { op: op.toUpperCase(), args: args.trim() };
    });
}

const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const all = instructions(dockerfile);
const globalArgs = Object.fromEntries(
  all
    .slice(
      0,
      all.findIndex((i) => i.op === 'FROM'),
    )
    .filter((i) => i.op === 'ARG')
    .map((i) => i.args.split('=') as [string, string]),
);
const stages: Stage[] = [];
for (const i of all) {
  if (i.op === 'FROM') {
    const [, image, name] = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(i.args) ?? [];
    stages.push({
      image: image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs[a ?? b] ?? ''),
      name,
      body: [],
    });
  } else if (stages.length) stages[stages.length - 1].body.push(i);
}
const runtime = stages[stages.length - 1];
const find = (s: Stage, op: string) => s.body.filter((i) => i.op === op);
const execForm = (args: string) => JSON.parse(args.replace(/^CMD\s+/, '')) as string[];

describe('Dockerfile', () => {
  it('is multi-stage on Node 22 LTS or newer in every stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) {
      const m = /^node:(\d+)/.exec(s.image);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(22);
      expect(Number(m![1]) % 2).toBe(0); // even majors are the LTS lines
    }
    expect(stages[0].name).toBe('build');
  });

  it('builds with npm ci and npm run build, and ships production dependencies only', () => {
    const build = stages[0].body.map((i) => `${i.op} ${i.args}`).join('\n');
    expect(build).toMatch(/RUN npm ci\b/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev|npm ci --omit=dev/);
    expect(
      find(runtime, 'RUN')
        .map((i) => i.args)
        .join('\n'),
    ).not.toMatch(/npm (ci|install)(?!.*--omit=dev)/);
    const copies = find(runtime, 'COPY').map((i) => i.args);
    expect(copies.some((c) => /--from=build\s+\/app\/dist\s/.test(c))).toBe(true);
    expect(copies.some((c) => /\bsrc\b|\btest\b/.test(c))).toBe(false);
    for (const c of copies.filter((x) => x.includes('--from='))) {
      expect(stages.map((s) => s.name)).toContain(/--from=(\S+)/.exec(c)![1]);
    }
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignore = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const c of stages[0].body.filter((i) => i.op === 'COPY' && !i.args.includes('--from'))) {
      const sources = c.args.split(/\s+/).slice(0, -1);
      for (const src of sources) {
        expect(fs.existsSync(path.join(ROOT, src))).toBe(true);
        expect(ignore).not.toContain(src);
      }
    }
    for (const secret of ['.env', 'node_modules', '.git', 'data', 'dist']) expect(ignore).toContain(secret);
  });

  it('runs as a non-root user with a data volume, port 3000 and a /healthz health check', () => {
    const user = find(runtime, 'USER');
    expect(user).toHaveLength(1);
    expect(user[0].args).not.toMatch(/^(root|0)(:|$)/);
    expect(
      find(runtime, 'VOLUME')
        .map((i) => i.args)
        .join(' '),
    ).toContain('/app/data');
    expect(find(runtime, 'EXPOSE').map((i) => i.args)).toEqual(['3000']);
    const [hc] = find(runtime, 'HEALTHCHECK');
    expect(hc.args).toMatch(/--interval=\d+s/);
    const cmd = execForm(hc.args.slice(hc.args.indexOf('CMD')));
    expect(cmd.slice(0, 2)).toEqual(['node', '-e']);
    expect(cmd[2]).toContain('/healthz');
    expect(() => new Function(cmd[2])).not.toThrow(); // the inline script is valid JavaScript
    // USER comes after the last RUN that needs root (chown of the data directory).
    const order = runtime.body.map((i) => i.op);
    expect(order.lastIndexOf('RUN')).toBeLessThan(order.indexOf('USER'));
  });

  it('starts dist/main.js in exec form, which the build produces from src/main.ts', () => {
    const [cmd] = find(runtime, 'CMD');
    expect(execForm(cmd.args)).toEqual(['node', 'dist/main.js']);
    const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8'));
    expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(fs.existsSync(path.join(ROOT, 'src/main.ts'))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, 'src/doctor-cli.ts'))).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.build).toContain('tsconfig.build.json');
    expect(pkg.scripts.doctor).toContain('dist/doctor-cli.js');
  });
});
