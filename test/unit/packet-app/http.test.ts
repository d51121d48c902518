import { describe, expect, it } from 'vitest';
import { HttpParser, MAX_HTTP_HEADERS, MAX_HTTP_LINE, MAX_HTTP_PENDING, probeHttp } from '../../../shared/packet/app/http.ts';
import type { AppAnomalyCode } from '../../../shared/packet/app/anomalies.ts';
import type { AppSink, Direction, EveHttp, StreamParser } from '../../../shared/packet/app/types.ts';
import { ascii } from './helpers/capture.ts';

interface Rec {
  txs: EveHttp[];
  anomalies: string[];
}

function sink(): AppSink & Rec {
  const r: Rec = { txs: [], anomalies: [] };
  return Object.assign(r, {
    http: (tx: EveHttp) => void r.txs.push(tx),
    tls: () => {
      throw new Error('unexpected tls');
    },
    dns: () => {
      throw new Error('unexpected dns');
    },
    anomaly: (code: AppAnomalyCode, dir: Direction) => void r.anomalies.push(`${code}/${dir}`),
  });
}

/** Feeds a whole conversation (request side first, then response side), then ends it. */
function run(req: string, res: string, onTunnel?: () => StreamParser | null): Rec {
  const s = sink();
  const p = new HttpParser(s, onTunnel);
  p.feed(0, ascii(req));
  p.feed(1, ascii(res));
  p.end();
  return s;
}

const GET =
  'GET /index.html?q=1 HTTP/1.1\r\n' +
  'Host: WWW.Example.com:8080\r\n' +
  'User-Agent: curl/8.5.0\r\n' +
  'Referer: http://example.com/start\r\n' +
  'X-Forwarded-For: 10.0.0.1\r\n' +
  'X-Forwarded-For: 10.0.0.2\r\n' +
  'Accept: */*\r\n' +
  '\r\n';
const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: 5\r\n\r\nhello';

describe('HttpParser', () => {
  it('logs one transaction in Suricata EVE shape and key order', () => {
    // Act
    const r = run(GET, OK);
    // Assess
    expect(r.anomalies).toEqual([]);
    expect(r.txs).toEqual([
      {
        hostname: 'www.example.com',
        http_port: 8080,
        url: '/index.html?q=1',
        http_user_agent: 'curl/8.5.0',
        xff: '10.0.0.1, 10.0.0.2',
        http_content_type: 'text/html',
        http_refer: 'http://example.com/start',
        http_method: 'GET',
        protocol: 'HTTP/1.1',
        status: 200,
        length: 5,
      },
    ]);
    expect(Object.keys(r.txs[0] as object)).toEqual([
      'hostname', 'http_port', 'url', 'http_user_agent', 'xff', 'http_content_type', 'http_refer', 'http_method',
      'protocol', 'status', 'length',
    ]);
  });

  it('pairs pipelined requests with responses in order', () => {
    // Prepare
    const reqs = ['/a', '/b', '/c'].map((u) => `GET ${u} HTTP/1.1\r\nHost: h\r\n\r\n`).join('');
    const resps =
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA' +
      'HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nBB' +
      'HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n';
    // Act
    const r = run(reqs, resps);
    // Assess
    expect(r.anomalies).toEqual([]);
    expect(r.txs.map((t) => [t.url, t.status, t.length, t.redirect])).toEqual([
      ['/a', 200, 1, undefined],
      ['/b', 404, 2, undefined],
      ['/c', 302, 0, '/x'],
    ]);
  });

  it('de-chunks a chunked body (extensions, trailers) and counts its length', () => {
    // Prepare
    const res =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n' +
      '5;ext=1\r\nhello\r\n' +
      'A\r\n0123456789\r\n' +
      '0\r\nX-Trailer: 1\r\n\r\n' +
      'HTTP/1.1 204 No Content\r\n\r\n';
    // Act
    const r = run('GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n', res);
    // Assess
    expect(r.anomalies).toEqual([]);
    expect(r.txs.map((t) => [t.url, t.status, t.length])).toEqual([
      ['/1', 200, 15],
      ['/2', 204, 0],
    ]);
  });

  it('skips request bodies and any number of 100 Continue interim responses', () => {
    // Prepare
    const req = 'POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nabcd' + 'GET /next HTTP/1.1\r\n\r\n';
    const res =
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok' +
      'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
    // Act
    const r = run(req, res);
    // Assess
    expect(r.anomalies).toEqual([]);
    expect(r.txs.map((t) => [t.http_method, t.url, t.status, t.length, t.request_body_length])).toEqual([
      ['POST', '/up', 201, 2, 4],
      ['GET', '/next', 200, 0, undefined],
    ]);
  });

  it('reads a chunked request body', () => {
    // Act
    const r = run('POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /d HTTP/1.1\r\n\r\n', '');
    // Assess
    expect(r.txs.map((t) => [t.url, t.request_body_length])).toEqual([
      ['/c', 3],
      ['/d', undefined],
    ]);
  });

  it('does not read a body after HEAD, 204 or 304', () => {
    // Prepare
    const req = 'HEAD /h HTTP/1.1\r\n\r\nGET /n HTTP/1.1\r\n\r\nGET /m HTTP/1.1\r\n\r\n';
    const res =
      'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n' +
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz';
    // Act
    const r = run(req, res);
    // Assess
    expect(r.anomalies).toEqual([]);
    expect(r.txs.map((t) => [t.url, t.status, t.length])).toEqual([
      ['/h', 200, 0],
      ['/n', 304, 0],
      ['/m', 200, 1],
    ]);
  });

  it('reads a body without length until the end of the flow', () => {
    // Act
    const r = run('GET / HTTP/1.0\r\n\r\n', 'HTTP/1.0 200 OK\r\n\r\n0123456789');
    // Assess
    expect(r.txs).toEqual([{ url: '/', http_method: 'GET', protocol: 'HTTP/1.0', status: 200, length: 10 }]);
  });

  it('logs requests without a response at end() (one-sided capture)', () => {
    // Act
    const r = run('GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n', '');
    // Assess
    expect(r.anomalies).toEqual([]);
    expect(r.txs).toEqual([
      { url: '/1', http_method: 'GET', protocol: 'HTTP/1.0', length: 0 },
      { url: '/2', http_method: 'GET', protocol: 'HTTP/1.0', length: 0 },
    ]);
  });

  it('logs responses without a request and flags http.response_without_request once per flow', () => {
    // Act
    const r = run('', 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    // Assess
    expect(r.anomalies).toEqual(['http.response_without_request/1']);
    expect(r.txs).toEqual([
      { protocol: 'HTTP/1.0', status: 200, length: 2 },
      { protocol: 'HTTP/1.0', status: 404, length: 0 },
    ]);
  });

  it('recognises responses by content even on the direction labelled client→server', () => {
    // Prepare
    const s = sink();
    const p = new HttpParser(s);
    // Act: the flow table guessed the direction wrong (it saw the server first)
    p.feed(0, ascii('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    p.feed(1, ascii('GET /late HTTP/1.1\r\n\r\n'));
    p.end();
    // Assess
    expect(s.txs.map((t) => [t.url, t.status])).toEqual([
      [undefined, 200],
      ['/late', undefined],
    ]);
  });

  it('keeps a non-numeric status as status_string (Suricata 8)', () => {
    // Act
    const r = run('GET /test HTTP/1.1\r\n\r\n', 'HTTP/1.1 2XX OK\r\nContent-Length: 4\r\n\r\ntest');
    // Assess
    expect(r.txs[0]).toMatchObject({ status_string: '2XX', length: 4 });
    expect(r.txs[0]?.status).toBeUndefined();
  });

  it('takes the hostname from an absolute-form target and keeps IPv6 brackets', () => {
    // Act
    const r = run('GET http://user@Proxy.Example:3128/p HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n', '');
    // Assess
    expect(r.txs.map((t) => [t.hostname, t.http_port, t.url])).toEqual([
      ['proxy.example', 3128, 'http://user@Proxy.Example:3128/p'],
      ['[::1]', 8000, '/'],
    ]);
  });

  it('joins obs-fold continuation lines into the header value', () => {
    // Act
    const r = run('GET / HTTP/1.1\r\nUser-Agent: part1\r\n  part2\r\n\r\n', '');
    // Assess
    expect(r.txs[0]?.http_user_agent).toBe('part1 part2');
  });

  it('accepts bare LF line ends', () => {
    // Act
    const r = run('GET /lf HTTP/1.1\nHost: a\n\n', 'HTTP/1.1 200 OK\nContent-Length: 1\n\nx');
    // Assess
    expect(r.txs).toEqual([{ hostname: 'a', url: '/lf', http_method: 'GET', protocol: 'HTTP/1.1', status: 200, length: 1 }]);
  });

  it('gives the same transactions when each direction is split in two at every offset', () => {
    // Prepare
    const req = GET + 'POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc' + 'GET /z HTTP/1.1\r\n\r\n';
    const res =
      OK +
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nq';
    const whole = run(req, res);
    const rq = ascii(req);
    const rs = ascii(res);
    expect(whole.txs).toHaveLength(3);
    for (let cut = 0; cut <= Math.max(rq.length, rs.length); cut++) {
      const s = sink();
      const p = new HttpParser(s);
      // Act
      p.feed(0, rq.subarray(0, Math.min(cut, rq.length)));
      p.feed(0, rq.subarray(Math.min(cut, rq.length)));
      p.feed(1, rs.subarray(0, Math.min(cut, rs.length)));
      p.feed(1, rs.subarray(Math.min(cut, rs.length)));
      p.end();
      // Assess
      expect(s.txs).toEqual(whole.txs);
      expect(s.anomalies).toEqual([]);
    }
  });

  it('gives the same transactions when fed one byte at a time', () => {
    // Prepare
    const req = ascii(GET);
    const res = ascii(OK);
    const s = sink();
    const p = new HttpParser(s);
    // Act
    for (let i = 0; i < req.length; i++) p.feed(0, req, i, i + 1);
    for (let i = 0; i < res.length; i++) p.feed(1, res, i, i + 1);
    p.end();
    // Assess
    expect(s.txs).toEqual(run(GET, OK).txs);
  });

  it('absorbs a gap inside a Content-Length body and counts the lost bytes', () => {
    // Prepare
    const s = sink();
    const p = new HttpParser(s);
    // Act
    p.feed(0, ascii('GET / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n'));
    p.feed(1, ascii('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n012'));
    p.gap(1, 4);
    p.feed(1, ascii('789HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    p.end();
    // Assess
    expect(s.anomalies).toEqual([]);
    expect(s.txs.map((t) => [t.url, t.status, t.length])).toEqual([
      ['/', 200, 10],
      ['/2', 200, 0],
    ]);
  });

  it('flags http.gap in headers, logs what it had and resyncs at the next request line', () => {
    // Prepare
    const s = sink();
    const p = new HttpParser(s);
    // Act
    p.feed(0, ascii('GET /1 HTTP/1.1\r\nUser-Ag'));
    p.gap(0, 30);
    p.feed(0, ascii('ent-tail\r\nmore junk\r\n\r\nGET /2 HTTP/1.1\r\n\r\n'));
    p.end();
    // Assess
    expect(s.anomalies).toEqual(['http.gap/0']);
    expect(s.txs.map((t) => t.url)).toEqual(['/1', '/2']);
  });

  it('flags http.request_line_invalid and resyncs', () => {
    // Act
    const r = run('GET /1 HTTP/1.1\r\n\r\nthis is not http\r\nGET /2 HTTP/1.1\r\n\r\n', '');
    // Assess
    expect(r.anomalies).toEqual(['http.request_line_invalid/0']);
    expect(r.txs.map((t) => t.url)).toEqual(['/1', '/2']);
  });

  it('flags http.status_line_invalid on the response side', () => {
    // Act
    const r = run('GET /1 HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/x 200\r\n');
    // Assess
    expect(r.anomalies).toEqual(['http.status_line_invalid/1']);
  });

  it('flags http.unparsed_data when the first line is neither a request nor a status line', () => {
    // Act
    const r = run('\x00\x01binary\r\n', '');
    // Assess
    expect(r.anomalies).toEqual(['http.unparsed_data/0']);
    expect(r.txs).toEqual([]);
  });

  it('flags http.header_invalid for a line without a colon', () => {
    // Act
    const r = run('GET / HTTP/1.1\r\nnocolon\r\nHost: h\r\n\r\n', '');
    // Assess
    expect(r.anomalies).toEqual(['http.header_invalid/0']);
    expect(r.txs[0]?.hostname).toBe('h');
  });

  it(`flags http.header_line_too_long above ${MAX_HTTP_LINE} bytes and keeps parsing`, () => {
    // Act
    const r = run(`GET / HTTP/1.1\r\nCookie: ${'a'.repeat(MAX_HTTP_LINE)}\r\nHost: h\r\n\r\n`, '');
    // Assess
    expect(r.anomalies).toEqual(['http.header_line_too_long/0']);
    expect(r.txs[0]?.hostname).toBe('h');
  });

  it(`flags http.too_many_headers above ${MAX_HTTP_HEADERS}`, () => {
    // Act
    const r = run(`GET / HTTP/1.1\r\n${'X-A: 1\r\n'.repeat(MAX_HTTP_HEADERS + 5)}\r\n`, '');
    // Assess
    expect(r.anomalies).toEqual(['http.too_many_headers/0']);
    expect(r.txs).toHaveLength(1);
  });

  it('flags http.content_length_invalid and treats the message as bodiless', () => {
    // Act
    const r = run('POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\nGET /n HTTP/1.1\r\n\r\n', '');
    // Assess
    expect(r.anomalies).toEqual(['http.content_length_invalid/0']);
    expect(r.txs.map((t) => t.url)).toEqual(['/', '/n']);
  });

  it('flags http.content_length_conflict for differing values and for CL with chunked (chunked wins)', () => {
    // Act
    const a = run('POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy', '');
    const b = run('POST / HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nGET /n HTTP/1.1\r\n\r\n', '');
    // Assess
    expect(a.anomalies).toEqual(['http.content_length_conflict/0']);
    expect(b.anomalies).toEqual(['http.content_length_conflict/0']);
    expect(b.txs.map((t) => [t.url, t.request_body_length])).toEqual([
      ['/', 1],
      ['/n', undefined],
    ]);
  });

  it('flags http.chunk_size_invalid, logs the response, and resyncs', () => {
    // Act
    const r = run(
      'GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nHTTP/1.1 201 OK\r\nContent-Length: 0\r\n\r\n',
    );
    // Assess
    expect(r.anomalies).toEqual(['http.chunk_size_invalid/1']);
    expect(r.txs.map((t) => [t.url, t.status])).toEqual([
      ['/1', 200],
      ['/2', 201],
    ]);
  });

  it('flags http.chunk_terminator_invalid when chunk data is not followed by CRLF', () => {
    // Act
    const r = run('GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n0\r\n\r\n');
    // Assess
    expect(r.anomalies).toEqual(['http.chunk_terminator_invalid/1', 'http.chunk_size_invalid/1']);
    expect(r.txs.map((t) => t.status)).toEqual([200]);
  });

  it(`flags http.too_many_pending past ${MAX_HTTP_PENDING} unanswered requests and logs the oldest`, () => {
    // Prepare
    const reqs = 'GET /r HTTP/1.1\r\n\r\n'.repeat(MAX_HTTP_PENDING + 1);
    const s = sink();
    const p = new HttpParser(s);
    // Act
    p.feed(0, ascii(reqs));
    // Assess (before end: only the overflow was logged)
    expect(s.anomalies).toEqual(['http.too_many_pending/0']);
    expect(s.txs).toHaveLength(1);
    p.end();
    expect(s.txs).toHaveLength(MAX_HTTP_PENDING + 1);
  });

  it('hands the bytes after a successful CONNECT to the tunnel parser, including client bytes sent early', () => {
    // Prepare
    const seen: string[] = [];
    const inner: StreamParser = {
      feed: (d, b, o = 0, e = b.length) => void seen.push(`${d}:${new TextDecoder().decode(b.subarray(o, e))}`),
      gap: () => {},
      end: () => void seen.push('end'),
    };
    const s = sink();
    const p = new HttpParser(s, () => inner);
    // Act
    p.feed(0, ascii('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nEARLY'));
    p.feed(1, ascii('HTTP/1.1 200 Connection established\r\n\r\nSRV'));
    p.feed(0, ascii('MORE'));
    p.end();
    // Assess
    expect(s.txs).toEqual([
      { hostname: 'example.com', http_port: 443, url: 'example.com:443', http_method: 'CONNECT', protocol: 'HTTP/1.1', status: 200, length: 0 },
    ]);
    expect(seen).toEqual(['0:EARLY', '1:SRV', '0:MORE', 'end']);
  });

  it('goes back to HTTP after a refused CONNECT', () => {
    // Act
    const r = run(
      'CONNECT a:443 HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n',
      'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      () => {
        throw new Error('no tunnel expected');
      },
    );
    // Assess
    expect(r.txs.map((t) => [t.http_method, t.status])).toEqual([
      ['CONNECT', 407],
      ['GET', 200],
    ]);
  });

  it('switches to the tunnel parser after 101 Switching Protocols', () => {
    // Prepare
    let fed = 0;
    const inner: StreamParser = { feed: (_d, b, o = 0, e = b.length) => void (fed += e - o), gap: () => {}, end: () => {} };
    const s = sink();
    const p = new HttpParser(s, () => inner);
    // Act: websocket frames (binary) right after the upgrade, from both sides
    p.feed(0, new Uint8Array([...ascii('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n'), 0x81, 0x05, ...ascii('hello')]));
    p.feed(1, new Uint8Array([...ascii('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'), 0x81, 0x02, 0x68, 0x69]));
    p.end();
    // Assess
    expect(s.anomalies).toEqual([]);
    expect(s.txs.map((t) => t.status)).toEqual([101]);
    expect(fed).toBe(11);
  });
});

describe('HttpParser edge cases', () => {
  it('tolerates extra spaces in start lines and a raw space in the target', () => {
    // Act
    const r = run('GET  /a b   HTTP/1.1  \r\n\r\n', 'HTTP/1.1   200 OK\r\nContent-Length: 0\r\n\r\n');
    // Assess
    expect(r.anomalies).toEqual([]);
    expect(r.txs).toEqual([{ url: '/a b', http_method: 'GET', protocol: 'HTTP/1.1', status: 200, length: 0 }]);
  });

  it('rejects a status line without a code', () => {
    // Act
    const r = run('', 'HTTP/1.1 \r\n');
    // Assess
    expect(r.anomalies).toEqual(['http.unparsed_data/1']);
  });

  it('keeps the first Host and ignores a folded continuation of it', () => {
    // Act
    const r = run('GET / HTTP/1.1\r\nHost: first\r\n more\r\nHost: second\r\nX-Forwarded-For: 1.1.1.1\r\n 2.2.2.2\r\n\r\n', '');
    // Assess
    expect(r.txs[0]).toMatchObject({ hostname: 'first', xff: '1.1.1.1 2.2.2.2' });
  });

  it('forwards a gap in a tunnel to the tunnel parser', () => {
    // Prepare
    const gaps: Array<[number, number]> = [];
    const inner: StreamParser = { feed: () => {}, gap: (d, n) => void gaps.push([d, n]), end: () => {} };
    const s = sink();
    const p = new HttpParser(s, () => inner);
    // Act
    p.feed(0, ascii('CONNECT h:443 HTTP/1.1\r\n\r\n'));
    p.feed(1, ascii('HTTP/1.1 200 OK\r\n\r\n'));
    p.gap(1, 7);
    // Assess
    expect(gaps).toEqual([[1, 7]]);
    expect(s.anomalies).toEqual([]);
  });

  it('counts a gap in a body read until close, and reports a gap larger than the body left', () => {
    // Prepare
    const a = sink();
    const pa = new HttpParser(a);
    const b = sink();
    const pb = new HttpParser(b);
    // Act
    pa.feed(0, ascii('GET / HTTP/1.0\r\n\r\n'));
    pa.feed(1, ascii('HTTP/1.0 200 OK\r\n\r\nabc'));
    pa.gap(1, 100);
    pa.end();
    pb.feed(0, ascii('GET / HTTP/1.1\r\n\r\n'));
    pb.feed(1, ascii('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    pb.gap(1, 100);
    pb.gap(1, 5);
    pb.end();
    // Assess
    expect(a.anomalies).toEqual([]);
    expect(a.txs[0]?.length).toBe(103);
    expect(b.anomalies).toEqual(['http.gap/1']);
    expect(b.txs.map((t) => [t.status, t.length])).toEqual([[200, 3]]);
  });

  it('closes a chunked body whose last chunk is lost in a gap of known size', () => {
    // Prepare
    const s = sink();
    const p = new HttpParser(s);
    // Act
    p.feed(0, ascii('GET / HTTP/1.1\r\n\r\n'));
    p.feed(1, ascii('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'));
    p.gap(1, 3);
    p.feed(1, ascii('\r\n0\r\n\r\n'));
    // Assess
    expect(s.anomalies).toEqual([]);
    expect(s.txs.map((t) => t.length)).toEqual([5]);
  });

  it('parses held client bytes as HTTP when a CONNECT never got an answer', () => {
    // Act
    const r = run('CONNECT h:443 HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n', '', () => {
      throw new Error('no tunnel expected');
    });
    // Assess
    expect(r.txs.map((t) => t.http_method)).toEqual(['CONNECT', 'GET']);
  });

  it('treats more than 64 KiB of client bytes after an unanswered CONNECT as tunnel data', () => {
    // Prepare
    let fed = 0;
    const inner: StreamParser = { feed: (_d, b, o = 0, e = b.length) => void (fed += e - o), gap: () => {}, end: () => {} };
    const s = sink();
    const p = new HttpParser(s, () => inner);
    // Act
    p.feed(0, ascii('CONNECT h:443 HTTP/1.1\r\n\r\n'));
    p.feed(0, new Uint8Array(40000));
    p.feed(0, new Uint8Array(40000));
    p.feed(0, new Uint8Array(10));
    p.end();
    // Assess
    expect(fed).toBe(80010);
    expect(s.txs.map((t) => t.http_method)).toEqual(['CONNECT']);
  });

  it('drops an over-long line split across chunks and resyncs on the next request', () => {
    // Prepare
    const s = sink();
    const p = new HttpParser(s);
    // Act: a request line longer than MAX_HTTP_LINE arriving in 1000-byte pieces, then a valid request
    p.feed(0, ascii('GET /ok HTTP/1.1\r\n\r\n'));
    const long = ascii('GET /' + 'x'.repeat(MAX_HTTP_LINE + 10) + ' HTTP/1.1\r\n\r\n');
    for (let i = 0; i < long.length; i += 1000) p.feed(0, long.subarray(i, i + 1000));
    p.feed(0, ascii('GET /next HTTP/1.1\r\n\r\n'));
    p.end();
    // Assess
    expect(s.anomalies).toEqual(['http.header_line_too_long/0']);
    expect(s.txs.map((t) => t.url)).toEqual(['/ok', '/next']);
  });

  it('flags an over-long chunk size and a chunk size followed by junk', () => {
    // Act
    const a = run('GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1234567890abc\r\n');
    const b = run('GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n');
    const ok = run('GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 ;x=y\r\nabc\r\n0\r\n\r\n');
    // Assess
    expect(a.anomalies).toEqual(['http.chunk_size_invalid/1']);
    expect(b.anomalies).toEqual(['http.chunk_size_invalid/1']);
    expect(ok.anomalies).toEqual([]);
    expect(ok.txs[0]?.length).toBe(3);
  });
});

describe('probeHttp()', () => {
  const probe = (s: string) => {
    const b = ascii(s);
    return probeHttp(b, 0, b.length);
  };
  it('recognises request and status lines, and asks for more while a start is plausible', () => {
    expect(probe('GET / HTTP/1.1\r\n')).toBe('request');
    expect(probe('OPTIONS * HTTP/1.1\r\n')).toBe('request');
    expect(probe('HTTP/1.0 200 OK\r\n')).toBe('response');
    expect(probe('GET /incomplete')).toBe('more');
    expect(probe('HTT')).toBe('more');
    expect(probe('\r\n')).toBe('more');
  });
  it('rejects other protocols', () => {
    expect(probe('SSH-2.0-OpenSSH_9.6\r\n')).toBe('no');
    expect(probe('get / HTTP/1.1\r\n')).toBe('no');
    expect(probe('GET / FTP/1.1\r\n')).toBe('no');
    expect(probeHttp(new Uint8Array([0x16, 0x03, 0x01, 0x00]), 0, 4)).toBe('no');
  });
});
