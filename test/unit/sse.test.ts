/**
 * The CLI's Server-Sent Events reader (src/cli/sse.ts) against the parsing rules of the WHATWG standard: line
 * ends of every kind wherever a chunk splits them, fields, comments, the last event id, retry, a character
 * split between chunks, an unfinished event at the end, and the size limit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerSentEventReader, StreamError, type ServerSentEvent } from '../../src/cli/sse.js';

async function readAll(chunks: Array<string | Uint8Array>, reader = new ServerSentEventReader()): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const event of reader.read(source())) events.push(event);
  return events;
}

const stream = 'event: request_log\r\nid: rqlg_1\r\ndata: {"a":1}\r\n\r\n: keep-alive\n\nid: rqlg_2\rdata: first\rdata:second\r\r';

test('every split of a stream with CRLF, LF and CR line ends gives the same events', async () => {
  const expected: ServerSentEvent[] = [
    { event: 'request_log', data: '{"a":1}', id: 'rqlg_1' },
    { event: 'message', data: 'first\nsecond', id: 'rqlg_2' },
  ];
  assert.deepEqual(await readAll([stream]), expected);
  for (let at = 1; at < stream.length; at++) {
    assert.deepEqual(await readAll([stream.slice(0, at), stream.slice(at)]), expected, `split at ${at}`);
  }
  assert.deepEqual(await readAll([...stream]), expected, 'one character at a time');
});

test('fields: one leading space is dropped, a field without a colon is empty, unknown fields and comments are ignored, the id carries over', async () => {
  const events = await readAll(['data\n\n', 'data:  two spaces\nfoo: bar\n: note\n\n', 'id: 7\ndata: a\n\n', 'data: b\n\n', 'id\ndata: c\n\n']);
  assert.deepEqual(events, [
    { event: 'message', data: '', id: undefined },
    { event: 'message', data: ' two spaces', id: undefined },
    { event: 'message', data: 'a', id: '7' },
    { event: 'message', data: 'b', id: '7' },
    { event: 'message', data: 'c', id: '' },
  ]);
});

test('an event with no data is not dispatched; its type does not leak into the next', async () => {
  assert.deepEqual(await readAll(['event: delivery\n\ndata: x\n\n']), [{ event: 'message', data: 'x', id: undefined }]);
});

test('retry sets the reconnection time (digits only); an id with NUL is ignored', async () => {
  const reader = new ServerSentEventReader();
  await readAll(['retry: 2500\nretry: soon\nid: a\u0000b\ndata: x\n\n'], reader);
  assert.equal(reader.retryMs, 2500);
  assert.equal(reader.lastEventId, undefined);
});

test('a multi-byte character split between chunks is read whole', async () => {
  const bytes = Buffer.from('data: ร้าน ☕\n\n', 'utf8');
  const events = await readAll([bytes.subarray(0, 8), bytes.subarray(8, 9), bytes.subarray(9)]);
  assert.deepEqual(events, [{ event: 'message', data: 'ร้าน ☕', id: undefined }]);
});

test('an event the stream did not finish with a blank line is dropped', async () => {
  assert.deepEqual(await readAll(['data: done\n\ndata: half']), [{ event: 'message', data: 'done', id: undefined }]);
  assert.deepEqual(await readAll(['data: half\n']), []);
});

test('a line, or an event\'s data, over the limit ends the stream with StreamError', async () => {
  await assert.rejects(readAll(['data: ' + 'x'.repeat(200)], new ServerSentEventReader(100)), StreamError);
  await assert.rejects(readAll(['data: ' + 'x'.repeat(60) + '\n', 'data: ' + 'x'.repeat(60) + '\n'], new ServerSentEventReader(100)), StreamError);
  assert.equal((await readAll(['data: ' + 'x'.repeat(90) + '\n\n'], new ServerSentEventReader(100))).length, 1);
});
