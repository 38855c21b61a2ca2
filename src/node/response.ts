/**
 * What a server can still do with a response: whether its client is gone, and
 * how to cut short a response already under way so that the client sees it
 * broken, on HTTP/1 and HTTP/2 alike.
 */
import type { ServerResponse } from 'node:http';
import { constants } from 'node:http2';
import type { NodeResponse } from './request.js';

/** isClosed tells whether the response's connection (HTTP/1) or stream (HTTP/2) is closed, finished or not. */
export function isClosed(res: NodeResponse): boolean {
  return 'stream' in res ? res.stream.destroyed : (res as ServerResponse).destroyed;
}

/**
 * clientGone tells whether the client went away before the response was
 * complete (the response closed before `res.end()`): nothing can be sent to it
 * any more. An error handler then answers nothing (a 499 for the access log).
 */
export function clientGone(res: NodeResponse): boolean {
  return !res.writableEnded && isClosed(res);
}

/**
 * cutShort breaks a response whose headers are sent, so that the client sees
 * it fail rather than end: on HTTP/1 the connection is destroyed (the body
 * stops short of its length or last chunk); on HTTP/2 the stream is reset with
 * INTERNAL_ERROR, as Go's server does for an aborted handler (ending it, even
 * by `destroy()`, would send a clean end of stream: a 200 with half a body).
 */
export function cutShort(res: NodeResponse): void {
  if ('stream' in res) res.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  else res.destroy();
}
