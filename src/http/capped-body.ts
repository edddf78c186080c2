import { Transform, type Readable } from 'node:stream';

/**
 * A request body stream that fails with `tooLarge()` once more than `limit` bytes have come in:
 * for a preParsing hook, where the route's own body limit is larger than some senders deserve.
 * What is past the limit is never read; the answer should close the connection.
 */
export function cappedBody(payload: Readable, limit: number, tooLarge: () => Error): Readable {
  let received = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > limit) {
        payload.unpipe(capped);
        callback(tooLarge());
        return;
      }
      callback(null, chunk);
    },
  });
  return payload.pipe(capped);
}
