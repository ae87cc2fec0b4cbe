import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SnowflakeIds } from '../../src/domain/ids.js';
import type { MediaMetadata, MetadataKey, MetadataPatch } from '../../src/domain/metadata.js';
import type { AppRecord, MediaRecord, TokenRecord, UserRecord } from '../../src/storage/records.js';
import { DuplicateKeyError, type Store } from '../../src/storage/store.js';

export interface OpenedStore {
  store: Store;
  /** Closes the store and removes whatever `open` created. */
  cleanup(): Promise<void>;
}

const ids = new SnowflakeIds();
const HOUR = 3_600_000;

function media(overrides: Partial<MediaRecord> = {}): MediaRecord {
  const now = Date.now();
  return {
    id: ids.next(),
    kind: 'photo',
    category: 'tweet_image',
    mimeType: 'image/png',
    ownerId: ids.next(),
    appId: ids.next(),
    additionalOwners: [ids.next(), ids.next()],
    shared: true,
    state: 'succeeded',
    size: 117_807,
    width: 1266,
    height: 793,
    durationMs: null,
    createdAtMs: now,
    expiresAtMs: now + 24 * HOUR,
    processingStartsAtMs: null,
    readyAtMs: null,
    processingError: null,
    subtitles: [],
    metadata: {},
    ...overrides,
  };
}

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return { id: ids.next(), username: `u${ids.next().slice(-12)}`, passwordHash: null, createdAtMs: Date.now(), ...overrides };
}

function app(overrides: Partial<AppRecord> = {}): AppRecord {
  return {
    id: ids.next(),
    name: `app-${ids.next()}`,
    clientId: `client-${ids.next()}`,
    clientSecretHash: null,
    callbackUrls: [],
    consumerKey: null,
    consumerSecretSealed: null,
    createdAtMs: Date.now(),
    ...overrides,
  };
}

function token(appId: string, userId: string | null, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    hash: `${ids.next()}${'0'.repeat(45)}`,
    kind: userId === null ? 'app' : 'user',
    appId,
    userId,
    scopes: userId === null ? [] : ['tweet.read', 'media.write'],
    createdAtMs: Date.now(),
    expiresAtMs: null,
    revokedAtMs: null,
    familyId: null,
    ...overrides,
  };
}

/** One patch per metadata key, each setting a value that names `n`: 13 keys, any number of distinct values. */
const PATCHES: readonly ((n: number) => MetadataPatch)[] = [
  (n) => ({ altText: `alt ${n}` }),
  (n) => ({ allowDownload: n % 2 === 0 }),
  (n) => ({ foundMediaOrigin: { provider: 'giphy', id: `g${n}` } }),
  (n) => ({ stickers: [{ id: `s${n}`, transform_tx: n }] }),
  (n) => ({ uploadSource: `source ${n}` }),
  (n) => ({ audiencePolicy: { xSubscriptions: ['Any'], creatorSubscriptions: Array(n % 3).fill('Any') } }),
  (n) => ({ contentExpiresAtSec: 1_740_787_200 + n }),
  (n) => ({ domainWhitelist: [`d${n}.example`] }),
  (n) => ({ geoRestrictions: { whitelist: [], blacklist: [`c${n % 10}`] } }),
  (n) => ({ managed: n % 2 === 1 }),
  (n) => ({ previewImage: { mediaId: String(n), mediaCategory: 'TweetImage' } }),
  (n) => ({ sensitiveMediaWarning: { other: n % 2 === 0 } }),
  (n) => ({ sharedInDms: n % 2 === 0 }),
];

/**
 * What every Store backend must do (src/storage/store.ts), written against the interface only: the SQLite
 * store runs it now, the PostgreSQL store will run the same. `open` gives a store to use for the whole suite;
 * the suite creates its own rows with fresh ids, so a shared database is fine.
 */
export function runStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let opened: OpenedStore;

    before(async () => {
      opened = await open();
      store = opened.store;
    });
    after(() => opened.cleanup());

    it('names its backend and answers ping', async () => {
      assert.ok(['sqlite', 'postgres'].includes(store.backend));
      await store.ping();
    });

    describe('media', () => {
      it('gives back what was inserted, field for field', async () => {
        const full = media({
          id: '9223372036854775807', // the largest snowflake: must not lose precision on the way
          metadata: { altText: 'a cat 😀\nline two', stickers: [{ id: 's', aspect_ratio: 1.78, group_annotation_id: 987654321098765 }] },
        });
        const sparse = media({
          kind: 'video',
          category: 'tweet_video',
          mimeType: 'video/mp4',
          appId: null,
          additionalOwners: [],
          shared: false,
          state: 'uploading',
          width: null,
          height: null,
          durationMs: 12_345,
        });
        await store.insertMedia(full);
        await store.insertMedia(sparse);
        assert.deepEqual(await store.getMedia(full.id), full);
        assert.deepEqual(await store.getMedia(sparse.id), sparse);
      });

      it('answers undefined for an unknown id', async () => {
        assert.equal(await store.getMedia(ids.next()), undefined);
      });

      it('getMediaMany returns the known ones among the ids, each once', async () => {
        const rows = [media(), media(), media()];
        for (const row of rows) await store.insertMedia(row);
        const found = await store.getMediaMany([rows[2]!.id, ids.next(), rows[0]!.id, rows[1]!.id]);
        assert.deepEqual(
          found.sort((a, b) => a.id.localeCompare(b.id)),
          [...rows].sort((a, b) => a.id.localeCompare(b.id)),
        );
        assert.deepEqual(await store.getMediaMany([]), []);
        assert.deepEqual(await store.getMediaMany([ids.next(), ids.next()]), []);
        const hundred = [rows[0]!.id, ...Array.from({ length: 99 }, () => ids.next())];
        assert.deepEqual(await store.getMediaMany(hundred), [rows[0]]);
      });

      it('refuses a duplicate id with DuplicateKeyError and keeps the first row', async () => {
        const first = media({ metadata: { altText: 'first' } });
        await store.insertMedia(first);
        await assert.rejects(store.insertMedia({ ...first, ownerId: ids.next(), metadata: {} }), DuplicateKeyError);
        assert.deepEqual(await store.getMedia(first.id), first);
      });

      it('fails only the write that breaks a rule, not the others sent with it', async () => {
        const existing = media();
        await store.insertMedia(existing);
        const fresh = [media(), media()];
        const outcomes = await Promise.allSettled([
          store.insertMedia(fresh[0]!),
          store.insertMedia({ ...existing }),
          store.insertMedia(fresh[1]!),
          store.updateMetadata(existing.id, { altText: 'still written' }, Date.now()),
        ]);
        assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof DuplicateKeyError);
        assert.deepEqual(await store.getMedia(fresh[0]!.id), fresh[0]);
        assert.deepEqual(await store.getMedia(fresh[1]!.id), fresh[1]);
        assert.equal((await store.getMedia(existing.id))?.metadata.altText, 'still written');
      });
    });

    describe('updateMetadata', () => {
      it('upserts: keys sent replace, keys not sent stay, null removes; resolves to the whole metadata', async () => {
        const row = media({ metadata: { altText: 'old', uploadSource: 'gallery', foundMediaOrigin: { provider: 'giphy', id: 'a' } } });
        await store.insertMedia(row);
        const now = Date.now();
        const next = await store.updateMetadata(row.id, { altText: 'new', foundMediaOrigin: { provider: 'tenor' }, managed: true }, now);
        const expected: MediaMetadata = { altText: 'new', uploadSource: 'gallery', foundMediaOrigin: { provider: 'tenor' }, managed: true };
        assert.deepEqual(next, expected);
        assert.deepEqual((await store.getMedia(row.id))?.metadata, expected);

        const removed = await store.updateMetadata(row.id, { altText: null, uploadSource: undefined, managed: null }, now);
        assert.deepEqual(removed, { uploadSource: 'gallery', foundMediaOrigin: { provider: 'tenor' } });
        assert.deepEqual((await store.getMedia(row.id))?.metadata, removed);

        const { metadata: _metadata, ...rest } = row;
        const { metadata: _after, ...restAfter } = (await store.getMedia(row.id))!;
        assert.deepEqual(restAfter, rest, 'nothing but the metadata changes');
      });

      it('answers undefined for an unknown id', async () => {
        assert.equal(await store.updateMetadata(ids.next(), { altText: 'x' }, Date.now()), undefined);
      });

      it('writes until the last millisecond before expiry, and not from the expiry on', async () => {
        const expiresAtMs = Date.now() + HOUR;
        const row = media({ expiresAtMs });
        await store.insertMedia(row);
        assert.deepEqual(await store.updateMetadata(row.id, { altText: 'in time' }, expiresAtMs - 1), { altText: 'in time' });
        assert.equal(await store.updateMetadata(row.id, { altText: 'too late' }, expiresAtMs), undefined);
        assert.equal(await store.updateMetadata(row.id, { altText: 'far too late' }, expiresAtMs + 1), undefined);
        assert.deepEqual((await store.getMedia(row.id))?.metadata, { altText: 'in time' });
      });

      it('lands all of 50 concurrent patches of different keys on one media item', async () => {
        const row = media();
        await store.insertMedia(row);
        const now = Date.now();
        const patches = Array.from({ length: 50 }, (_, n) => PATCHES[n % PATCHES.length]!(n));
        const results = await Promise.all(patches.map((patch) => store.updateMetadata(row.id, patch, now)));
        const stored = (await store.getMedia(row.id))!.metadata;
        assert.equal(Object.keys(stored).length, PATCHES.length, `every key landed: ${JSON.stringify(stored)}`);
        patches.forEach((patch, n) => {
          const [key, value] = Object.entries(patch)[0]! as [MetadataKey, unknown];
          assert.deepEqual(results[n]?.[key], value, `patch ${n} resolves to metadata holding its own value`);
          const sent = patches.filter((p) => key in p).map((p) => JSON.stringify(p[key]));
          assert.ok(sent.includes(JSON.stringify(stored[key])), `${key} holds one of the values sent for it`);
        });
        // The first 13 patches touch 13 distinct keys: run alone, each must be stored exactly.
        const other = media();
        await store.insertMedia(other);
        const distinct = PATCHES.map((make, n) => make(n));
        await Promise.all(distinct.map((patch) => store.updateMetadata(other.id, patch, now)));
        assert.deepEqual((await store.getMedia(other.id))!.metadata, Object.assign({}, ...distinct));
      });

      it('lands concurrent patches of many media items', async () => {
        const rows = Array.from({ length: 50 }, () => media());
        await Promise.all(rows.map((row) => store.insertMedia(row)));
        const now = Date.now();
        await Promise.all(rows.map((row, n) => store.updateMetadata(row.id, { altText: `n${n}` }, now)));
        const found = await store.getMediaMany(rows.map((r) => r.id));
        assert.equal(found.length, 50);
        for (const [n, row] of rows.entries()) {
          assert.equal(found.find((f) => f.id === row.id)?.metadata.altText, `n${n}`);
        }
      });
    });

    describe('users and apps', () => {
      it('finds users by name and by id; counts them', async () => {
        const before = await store.countUsers();
        const plain = user();
        const withPassword = user({ passwordHash: 'scrypt$16384$8$1$salt$hash' });
        await store.insertUser(plain);
        await store.insertUser(withPassword);
        assert.equal(await store.countUsers(), before + 2);
        assert.deepEqual(await store.findUserByName(plain.username), plain);
        assert.deepEqual(await store.findUserById(plain.id), plain);
        assert.deepEqual(await store.findUserById(withPassword.id), withPassword);
        assert.equal(await store.findUserByName('nobody-by-this-name'), undefined);
        assert.equal(await store.findUserById(ids.next()), undefined);
      });

      it('refuses a taken user name or id with DuplicateKeyError', async () => {
        const first = user();
        await store.insertUser(first);
        const before = await store.countUsers();
        await assert.rejects(store.insertUser(user({ username: first.username })), DuplicateKeyError);
        await assert.rejects(store.insertUser(user({ id: first.id })), DuplicateKeyError);
        assert.equal(await store.countUsers(), before);
        assert.deepEqual(await store.findUserByName(first.username), first);
      });

      it('finds apps by name, and refuses a taken name or client id', async () => {
        const confidential = app({ clientSecretHash: 'ab'.repeat(32), callbackUrls: ['https://a.example/cb', 'http://127.0.0.1:8080/cb'] });
        const publicClient = app();
        await store.insertApp(confidential);
        await store.insertApp(publicClient);
        assert.deepEqual(await store.findAppByName(confidential.name), confidential);
        assert.deepEqual(await store.findAppByName(publicClient.name), publicClient);
        assert.equal(await store.findAppByName('no-such-app'), undefined);
        await assert.rejects(store.insertApp(app({ name: confidential.name })), DuplicateKeyError);
        await assert.rejects(store.insertApp(app({ clientId: confidential.clientId })), DuplicateKeyError);
        await assert.rejects(store.insertApp(app({ id: confidential.id })), DuplicateKeyError);
      });
    });

    describe('tokens', () => {
      let owner: UserRecord;
      let client: AppRecord;

      before(async () => {
        owner = user();
        client = app();
        await store.insertUser(owner);
        await store.insertApp(client);
      });

      it('finds tokens by hash, user and app-only alike', async () => {
        const userToken = token(client.id, owner.id, { expiresAtMs: Date.now() + 2 * HOUR });
        const appToken = token(client.id, null);
        const noScopes = token(client.id, owner.id, { scopes: [] });
        for (const t of [userToken, appToken, noScopes]) await store.insertToken(t);
        assert.deepEqual(await store.findToken(userToken.hash), userToken);
        assert.deepEqual(await store.findToken(appToken.hash), appToken);
        assert.deepEqual(await store.findToken(noScopes.hash), noScopes);
        assert.equal(await store.findToken('f'.repeat(64)), undefined);
      });

      it('refuses a duplicate hash with DuplicateKeyError', async () => {
        const first = token(client.id, owner.id);
        await store.insertToken(first);
        await assert.rejects(store.insertToken({ ...first, scopes: ['users.read'] }), DuplicateKeyError);
        assert.deepEqual(await store.findToken(first.hash), first);
      });

      it('revokes once: true for a live token, false after, false for an unknown one', async () => {
        const live = token(client.id, owner.id);
        await store.insertToken(live);
        const at = Date.now();
        assert.equal(await store.revokeToken(live.hash, at), true);
        assert.deepEqual(await store.findToken(live.hash), { ...live, revokedAtMs: at });
        assert.equal(await store.revokeToken(live.hash, at + 1000), false);
        assert.equal((await store.findToken(live.hash))?.revokedAtMs, at, 'the first revocation time stays');
        assert.equal(await store.revokeToken('e'.repeat(64), at), false);
      });
    });

    describe('uploads', () => {
      const segment = (index: number, size: number, sha256 = `${index}`.padStart(64, 'a')) => ({
        index,
        blobKey: `k/${index}-${sha256.slice(0, 6)}`,
        size,
        sha256,
      });
      const facts = (now: number) => ({
        state: 'succeeded' as const,
        mimeType: 'video/mp4',
        width: 320,
        height: 240,
        durationMs: 2000,
        processingStartsAtMs: now + 1000,
        readyAtMs: now + 4000,
        processingError: null,
      });
      const session = (overrides: Partial<MediaRecord> = {}) =>
        media({ kind: 'video', category: 'tweet_video', mimeType: 'video/mp4', state: 'uploading', size: 300, width: null, height: null, ...overrides });

      it('adds segments in any order, tells a retry from a conflict, and never goes past total_bytes', async () => {
        const upload = session();
        await store.insertMedia(upload);
        const now = Date.now();
        assert.deepEqual(await store.addSegment(upload.id, segment(1, 100), now), { kind: 'added' });
        assert.deepEqual(await store.addSegment(upload.id, segment(0, 100), now), { kind: 'added' });
        assert.deepEqual(await store.addSegment(upload.id, segment(1, 100), now), { kind: 'duplicate' });
        assert.deepEqual(await store.addSegment(upload.id, segment(1, 100, 'f'.repeat(64)), now), { kind: 'conflict' });
        assert.deepEqual(await store.addSegment(upload.id, segment(2, 101), now), { kind: 'over_total', receivedBytes: 200 });
        assert.deepEqual(await store.listSegments(upload.id), [segment(0, 100), segment(1, 100)]);
        assert.deepEqual(await store.addSegment(ids.next(), segment(0, 1), now), { kind: 'not_uploading' });
        const expired = session({ expiresAtMs: now - 1 });
        await store.insertMedia(expired);
        assert.deepEqual(await store.addSegment(expired.id, segment(0, 1), now), { kind: 'not_uploading' });
      });

      it('inserts a one-shot media item with its segment in one write', async () => {
        const oneShot = media();
        await store.insertMedia(oneShot, [segment(0, oneShot.size)]);
        assert.deepEqual(await store.listSegments(oneShot.id), [segment(0, oneShot.size)]);
      });

      it('finalizes once, only with the segments it checked, and refuses segments afterwards', async () => {
        const upload = session();
        await store.insertMedia(upload);
        const now = Date.now();
        await store.addSegment(upload.id, segment(0, 300), now);
        assert.equal(await store.finalizeMedia(upload.id, { segmentCount: 2, totalBytes: 300 }, facts(now), now), undefined);
        const finalized = await store.finalizeMedia(upload.id, { segmentCount: 1, totalBytes: 300 }, facts(now), now);
        assert.deepEqual(finalized, { ...upload, ...facts(now) });
        assert.deepEqual(await store.getMedia(upload.id), finalized);
        assert.equal(await store.finalizeMedia(upload.id, { segmentCount: 1, totalBytes: 300 }, facts(now), now), undefined);
        assert.deepEqual(await store.addSegment(upload.id, segment(1, 1), now), { kind: 'not_uploading' });
      });

      it('keeps one subtitle track per language', async () => {
        const video = media({ kind: 'video', category: 'tweet_video' });
        await store.insertMedia(video);
        const now = Date.now();
        const en = { mediaId: ids.next(), languageCode: 'EN', displayName: 'English' };
        const fr = { mediaId: ids.next(), languageCode: 'FR', displayName: 'Français' };
        assert.deepEqual(await store.putSubtitleTrack(video.id, en, now), [en]);
        assert.deepEqual(await store.putSubtitleTrack(video.id, fr, now), [en, fr]);
        const en2 = { ...en, displayName: 'English (US)' };
        assert.deepEqual(await store.putSubtitleTrack(video.id, en2, now), [fr, en2]);
        assert.equal(await store.deleteSubtitleTrack(video.id, 'FR', now), true);
        assert.equal(await store.deleteSubtitleTrack(video.id, 'FR', now), false);
        assert.deepEqual((await store.getMedia(video.id))?.subtitles, [en2]);
        assert.equal(await store.putSubtitleTrack(ids.next(), en, now), undefined);
        assert.equal(await store.deleteSubtitleTrack(ids.next(), 'EN', now), undefined);
      });

      it('collects expired media as blob garbage until it is forgotten, and claims each row once', async () => {
        const now = Date.now();
        const expired = session({ expiresAtMs: now - 10 });
        const live = session();
        await store.insertMedia(expired, [segment(0, 10)]);
        await store.insertMedia(live);
        const [first, second] = await Promise.all([store.collectExpiredMedia(now, 1000), store.collectExpiredMedia(now, 1000)]);
        assert.ok(first!.includes(expired.id) && second!.includes(expired.id), 'garbage stays listed until forgotten');
        assert.equal(await store.getMedia(expired.id), undefined);
        assert.deepEqual(await store.listSegments(expired.id), []);
        assert.ok(await store.getMedia(live.id));
        await store.forgetBlobGarbage([expired.id]);
        assert.equal((await store.collectExpiredMedia(now, 1000)).includes(expired.id), false);
      });
    });
  });
}
