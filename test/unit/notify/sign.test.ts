import { describe, expect, it } from 'vitest';
import { dingtalkSign, dingtalkSignedUrl, feishuSign, verifyDingtalk, verifyFeishu } from '../../../shared/notify/sign.ts';

// Vectors computed independently with Python's hmac/hashlib/base64 (the snippets in the DingTalk and Feishu docs):
//   DingTalk: base64(hmac_sha256(key=secret, msg=f"{ts_ms}\n{secret}"))
//   Feishu:   base64(hmac_sha256(key=f"{ts_s}\n{secret}", msg=b""))
const SECRET = 'SECexample0123456789';

describe('dingtalkSign()', () => {
  it('matches the reference HMAC-SHA256 vector', () => {
    expect(dingtalkSign(SECRET, 1700000000000)).toBe('figG6qqCA/lRh0hsGCW2zNtNV5znkAFut5BI0zKhqnQ=');
  });

  it('appends timestamp and the URL-encoded sign to the webhook URL', () => {
    const url = dingtalkSignedUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', SECRET, 1700000000000);
    expect(url).toBe('https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign=figG6qqCA%2FlRh0hsGCW2zNtNV5znkAFut5BI0zKhqnQ%3D');
  });

  it('verifies its own URL and rejects a wrong secret, a missing or stale timestamp', () => {
    const q = new URL(dingtalkSignedUrl('https://x/robot/send?access_token=abc', SECRET, 1700000000000)).searchParams;
    expect(verifyDingtalk(SECRET, q, 1700000000000 + 1000)).toBe('valid');
    expect(verifyDingtalk('SECother', q, 1700000000000)).toBe('invalid');
    expect(verifyDingtalk(SECRET, new URLSearchParams('access_token=abc'), 1700000000000)).toBe('missing');
    expect(verifyDingtalk(SECRET, q, 1700000000000 + 2 * 3600_000)).toBe('expired');
  });
});

describe('feishuSign()', () => {
  it('matches the reference vector (key = timestamp + "\\n" + secret, empty message)', () => {
    expect(feishuSign(SECRET, 1700000000)).toBe('S7TuSij45SE3ul/eGkJ5Bwcxf8ZNyPIQzqpjNU85VYk=');
  });

  it('verifies body fields and rejects tampering', () => {
    const body = { timestamp: '1700000000', sign: feishuSign(SECRET, 1700000000) };
    expect(verifyFeishu(SECRET, body, 1700000000_000)).toBe('valid');
    expect(verifyFeishu(SECRET, { ...body, timestamp: '1700000001' }, 1700000000_000)).toBe('invalid');
    expect(verifyFeishu(SECRET, { timestamp: '1700000000' }, 1700000000_000)).toBe('missing');
    expect(verifyFeishu(SECRET, body, 1700000000_000 + 7200_000)).toBe('expired');
  });
});
