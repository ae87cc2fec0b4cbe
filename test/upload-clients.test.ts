import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client } from '@xdevplatform/xdk';
import { TwitterApi, type ITwitterApiClientPlugin } from 'twitter-api-v2';
import { get } from './helpers/http.js';
import { gif, png } from './helpers/images.js';
import { startServer, type TestServer } from './helpers/server.js';
import { mp4 } from './helpers/video.js';

/**
 * X's own clients, unmodified, against a real xmedia: twitter-api-v2 (which has no base-URL option, so a plugin
 * sends its requests to the test server over plain HTTP) and X's SDK @xdevplatform/xdk (which has one).
 */
function pointedAt(baseUrl: string): ITwitterApiClientPlugin {
  const target = new URL(baseUrl);
  return {
    onBeforeRequest({ computedParams }) {
      computedParams.url.protocol = target.protocol;
      computedParams.url.host = target.host;
    },
  };
}

describe('real clients: upload, then metadata on every metadata route', () => {
  let server: TestServer;
  let token: string;
  let agent: http.Agent;
  let twitter: TwitterApi;
  let xdk: Client;

  before(async () => {
    // Processing takes a second, so both clients really poll STATUS until it succeeds.
    server = await startServer({ XMEDIA_PROCESSING_PENDING_MS: '200', XMEDIA_PROCESSING_MS: '800' });
    token = await server.token('alice');
    agent = new http.Agent({ keepAlive: true });
    twitter = new TwitterApi(token, { plugins: [pointedAt(server.url)], httpAgent: agent });
    xdk = new Client({ baseUrl: server.url, accessToken: token });
  });
  after(async () => {
    agent.destroy();
    await server.close();
  });

  async function lookup(mediaKey: string): Promise<Record<string, unknown>> {
    const result = await get(`${server.url}/2/media/${mediaKey}?media.fields=alt_text,width,height,duration_ms`, token);
    assert.equal(result.status, 200, result.text);
    return result.json.data;
  }

  it('twitter-api-v2 v2.uploadMedia: an image, a GIF and an MP4, then v2 metadata (wrapped and flat) and v1.1 metadata', async () => {
    const video = await mp4({ seconds: 2 });
    const image = await twitter.v2.uploadMedia(png(64, 48, 3 * 1024 * 1024), { media_type: 'image/png', media_category: 'tweet_image' });
    const animated = await twitter.v2.uploadMedia(gif(), { media_type: 'image/gif' });
    const movie = await twitter.v2.uploadMedia(video, { media_type: 'video/mp4' }, 512);
    for (const id of [image, animated, movie]) assert.match(id, /^[0-9]{19}$/);

    const wrapped = await twitter.v2.createMediaMetadata(image, { alt_text: { text: 'a wide test card' } });
    assert.deepEqual(wrapped, { data: { associated_metadata: { alt_text: { text: 'a wide test card' } }, id: image } });
    const flat = await twitter.v2.post('media/metadata/create', { media_id: animated, alt_text: { text: 'a dancing square' } });
    assert.deepEqual(flat, { data: { associated_metadata: { alt_text: { text: 'a dancing square' } }, id: animated } });
    await twitter.v1.createMediaMetadata(image, { alt_text: { text: 'set through v1.1' } });
    // twitter-api-v2's types know only alt_text; X's wrapped shape (and xmedia) take all 13 keys.
    const allowDownload = { allow_download_status: { allow_download: true } } as unknown as Parameters<typeof twitter.v2.createMediaMetadata>[1];
    const onVideo = await twitter.v2.createMediaMetadata(movie, allowDownload);
    assert.deepEqual(onVideo.data.associated_metadata, { allow_download_status: { allow_download: true } });

    assert.deepEqual(await lookup(`3_${image}`), { media_key: `3_${image}`, type: 'photo', width: 64, height: 48, alt_text: 'set through v1.1' });
    assert.deepEqual(await lookup(`16_${animated}`), {
      media_key: `16_${animated}`,
      type: 'animated_gif',
      width: 2,
      height: 2,
      alt_text: 'a dancing square',
    });
    assert.deepEqual(await lookup(`7_${movie}`), { media_key: `7_${movie}`, type: 'video', width: 320, height: 240, duration_ms: 2000 });
  });

  it('twitter-api-v2 v1.uploadMedia: the v1.1 INIT/APPEND/FINALIZE/STATUS dialect, appends three at a time', async () => {
    const video = await mp4({ seconds: 1 });
    const id = await twitter.v1.uploadMedia(video, { mimeType: 'video/mp4', target: 'tweet', chunkLength: 256 });
    assert.match(id, /^[0-9]{19}$/);
    const info = await twitter.v1.mediaInfo(id);
    assert.equal(info.media_id_string, id);
    assert.equal(info.processing_info?.state, 'succeeded');
    const image = await twitter.v1.uploadMedia(png(5, 5), { mimeType: 'image/png' });
    await twitter.v1.createMediaMetadata(image, { alt_text: { text: 'v1.1 all the way' } });
    assert.equal((await lookup(`3_${image}`)).alt_text, 'v1.1 all the way');
  });

  it('@xdevplatform/xdk: JSON base64 appends, an empty finalize body, STATUS polling, then createMetadata', async () => {
    const uploads: [Buffer, string, string][] = [
      [png(9, 7), 'image/png', 'tweet_image'],
      [gif(), 'image/gif', 'tweet_gif'],
      [await mp4({ seconds: 1 }), 'video/mp4', 'tweet_video'],
    ];
    for (const [bytes, mediaType, mediaCategory] of uploads) {
      const init = await xdk.media.initializeUpload({ mediaType, totalBytes: bytes.length, mediaCategory } as never);
      const id = (init.data as { id: string }).id;
      const chunk = Math.ceil(bytes.length / 2);
      for (let i = 0; i * chunk < bytes.length; i++) {
        await xdk.media.appendUpload(id, { media: bytes.subarray(i * chunk, (i + 1) * chunk).toString('base64'), segmentIndex: i } as never);
      }
      let status = (await xdk.media.finalizeUpload(id)).data as { processingInfo?: { state: string; checkAfterSecs?: number } };
      while (status.processingInfo && status.processingInfo.state !== 'succeeded') {
        assert.notEqual(status.processingInfo.state, 'failed');
        await new Promise((resolve) => setTimeout(resolve, (status.processingInfo?.checkAfterSecs ?? 1) * 1000));
        status = (await xdk.media.getUploadStatus(id, { command: 'STATUS' })).data as typeof status;
      }
      if (mediaType === 'video/mp4') {
        const created = await xdk.media.createMetadata({ id, metadata: { allowDownloadStatus: { allowDownload: false } } } as never);
        assert.deepEqual(created.data, { associatedMetadata: { allowDownloadStatus: { allowDownload: false } }, id });
      } else {
        const created = await xdk.media.createMetadata({ id, metadata: { altText: { text: `xdk ${mediaType}` } } } as never);
        assert.deepEqual(created.data, { associatedMetadata: { altText: { text: `xdk ${mediaType}` } }, id });
      }
    }
  });
});
