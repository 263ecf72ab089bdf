import type { AppContext } from '../context';
import { GraphRenderer } from './renderer';

export {
  alarmGraph,
  altText,
  clockTime,
  clusterDashboard,
  dashboardPeriod,
  DEFAULT_DASHBOARD_MS,
  serviceDashboard,
  widgetJson,
  type ClusterGraphView,
  type GraphSpec,
  type SeriesDef,
  type ServiceGraphView,
  type WidgetView,
} from './widgets';
export { GraphRenderer, MemoryRenderLimits, type RenderLimits, type RenderResult } from './renderer';
export { imageBlock, isFileRefusal, isUploadDenied, shareInThread, slackCode, uploadPrivate } from './slack-files';
export { graphNote } from './notes';

const renderers = new WeakMap<AppContext, GraphRenderer>();

/** The renderer every feature of one bot shares: one concurrency cap for all its graphs, the per-message limit in the store. */
export function graphRenderer(ctx: AppContext): GraphRenderer {
  let r = renderers.get(ctx);
  if (!r) {
    r = new GraphRenderer({ clock: ctx.clock, limits: ctx.store.graphRenders });
    renderers.set(ctx, r);
  }
  return r;
}
