/** What the logs feature offers the other features (the diagnosis shows a stopped container's last lines). */
export { lastLinesReader, type ContainerLastLines, type LastLinesReader } from './last-lines';
