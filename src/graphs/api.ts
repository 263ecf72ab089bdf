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
export { GraphRenderer, graphRenderer, MemoryRenderLimits, type RenderLimits, type RenderResult } from './renderer';
export { addGraph, type AddGraphOptions, type AddGraphOutcome, type GraphAddition, type GraphMessage } from './attach';
export {
  MIN_ROLLOUT_WINDOW_MS,
  pendingTasksGraph,
  rolloutGraph,
  rolloutWindow,
  taskMemoryGraph,
  type PendingTasksGraphView,
  type RolloutGraphView,
  type TaskMemoryGraphView,
} from './change-widgets';
export { imageBlock, isFileRefusal, isUploadDenied, shareInThread, slackCode, uploadPrivate } from './slack-files';
export { graphNote } from './notes';
