/**
 * The request log (DECISIONS §10), test mode, secret key: `GET /test/requests`, a list of the
 * account's recorded requests (newest first unless `order` says otherwise), and
 * `GET /test/requests/stream`, the same entries as Server-Sent Events as they are written, by any
 * gateway process on the database. Both take the same filters: `status` (4xx, 404, or several with
 * commas), `method`, `route`, `path` (and the paths below it) and `request_id`. Their own requests
 * are not recorded: a tail or a poll of the log would otherwise fill the log.
 */
import type { FastifyInstance } from 'fastify';
import { requireTestMode } from '../../domain/test-mode.js';
import { parseRequestLogFilter } from '../../domain/request-log.js';
import { renderList } from '../../render/omise-json.js';
import { renderRequestLogEntry } from '../../render/request-log.js';
import { listRequestLog } from '../../store/request-log.js';
import { isGiven, parseListWindow } from '../params.js';
import { callerOf } from '../requests.js';
import type { SseStream } from '../sse.js';

export async function requestLogRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/test/requests', { config: { requestLog: false } }, async (request) => {
    const caller = await callerOf(request, 'secret');
    requireTestMode(caller.livemode);
    const params = request.omiseParams;
    const filter = parseRequestLogFilter(params);
    const nowMs = gateway.wall.nowMs();
    // A log reads newest first unless asked otherwise.
    const window = parseListWindow(isGiven(params.order) ? params : { ...params, order: 'reverse_chronological' }, nowMs);
    const page = await listRequestLog(
      gateway.store.read,
      caller.accountId,
      filter,
      { ...window, fromMs: Math.max(window.fromMs, nowMs - gateway.requestLog.ageMsMax) },
      gateway.requestLog.entriesPerAccountMax,
    );
    return renderList(page.rows.map(renderRequestLogEntry), { location: '/test/requests', window, total: page.total });
  });

  // No HEAD twin: a HEAD would hold a stream open that can carry nothing.
  app.get('/test/requests/stream', { config: { requestLog: false }, exposeHeadRoute: false }, async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    requireTestMode(caller.livemode);
    const filter = parseRequestLogFilter(request.omiseParams);
    let stream: SseStream | undefined;
    // From now on: the tail knows where "now" is before the stream starts.
    const unsubscribe = await gateway.requestLogTail.subscribe({
      accountId: caller.accountId,
      filter,
      deliver: (row) => stream?.send('request_log', JSON.stringify(renderRequestLogEntry(row)), row.id),
      end: () => stream?.close(),
    });
    try {
      stream = app.sse.open(request, reply, { owner: caller.accountId });
    } catch (error) {
      unsubscribe();
      throw error;
    }
    stream.onClose(unsubscribe);
    return reply;
  });
}
