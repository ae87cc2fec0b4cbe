/** Small fetch wrappers: every call returns status, headers and both the raw and parsed body. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions navigate freely
}

export async function request(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function postJson(url: string, token: string | undefined, body: unknown): Promise<HttpResult> {
  return request(url, {
    method: 'POST',
    headers: { ...(token && { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function get(url: string, token?: string): Promise<HttpResult> {
  return request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}
