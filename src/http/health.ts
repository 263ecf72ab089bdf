import type { AppContext, Feature } from '../context';
import { route, sendJson } from './routes';

/**
 * GET /healthz: the process is alive. GET /readyz: the store answers and every registered readiness
 * check passes (in Socket Mode: the Slack socket is open or only briefly down); 503 otherwise.
 */
export function healthFeature(ctx: AppContext): Feature {
  return {
    name: 'health',
    routes: [
      route('GET', '/healthz', ctx.logger, async (_req, res) => sendJson(res, 200, { status: 'ok' })),
      route('GET', '/readyz', ctx.logger, async (_req, res) => {
        try {
          await ctx.store.ping();
        } catch (err) {
          ctx.logger.warn({ err }, 'readiness check failed: store unreachable');
          sendJson(res, 503, { status: 'unavailable', reason: 'store unreachable' });
          return;
        }
        const failing = ctx.readiness.failing();
        if (failing.length > 0) {
          sendJson(res, 503, { status: 'unavailable', reason: failing.map((f) => f.reason).join('; ') });
          return;
        }
        sendJson(res, 200, { status: 'ready', store: ctx.store.dialect });
      }),
    ],
  };
}

/** GET /metrics in Prometheus text format. */
export function metricsFeature(ctx: AppContext): Feature {
  return {
    name: 'metrics',
    routes: [
      route('GET', '/metrics', ctx.logger, async (_req, res) => {
        const text = await ctx.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
        res.end(text);
      }),
    ],
  };
}
