import { request, type HttpResult } from './http.js';

/** Chunked-upload calls as twitter-api-v2 makes them (JSON initialize, multipart append without filename). */
export class ChunkedUploader {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  initialize(body: Record<string, unknown>): Promise<HttpResult> {
    return request(`${this.baseUrl}/2/media/upload/initialize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  append(id: string, segmentIndex: number | string, bytes: Buffer): Promise<HttpResult> {
    const form = new FormData();
    form.append('segment_index', String(segmentIndex));
    form.append('media', new Blob([new Uint8Array(bytes)]));
    return request(`${this.baseUrl}/2/media/upload/${id}/append`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}` },
      body: form,
    });
  }

  finalize(id: string): Promise<HttpResult> {
    return request(`${this.baseUrl}/2/media/upload/${id}/finalize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}` },
    });
  }

  status(id: string): Promise<HttpResult> {
    return request(`${this.baseUrl}/2/media/upload?command=STATUS&media_id=${id}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
  }

  /** initialize → append in `chunkSize` pieces → finalize; resolves to the finalize answer. */
  async upload(bytes: Buffer, mediaType: string, mediaCategory: string, chunkSize = 1024 * 1024): Promise<HttpResult> {
    const init = await this.initialize({ media_type: mediaType, total_bytes: bytes.length, media_category: mediaCategory });
    if (init.status !== 200) return init;
    const id = init.json.data.id as string;
    for (let i = 0, offset = 0; offset < bytes.length; i++, offset += chunkSize) {
      const appended = await this.append(id, i, bytes.subarray(offset, offset + chunkSize));
      if (appended.status !== 200) return appended;
    }
    return this.finalize(id);
  }
}
