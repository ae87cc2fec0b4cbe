import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SnowflakeIds } from '../../src/domain/ids.js';
import type { MediaMetadata, MetadataKey, MetadataPatch } from '../../src/domain/metadata.js';
import type {
  AppRecord,
  MediaRecord,
  OAuth1TokenRecord,
  RefreshTokenRecord,
  TokenRecord,
  UserRecord,
} from '../../src/storage/records.js';
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

function refreshToken(access: TokenRecord, overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    hash: `${ids.next()}${'1'.repeat(45)}`,
    familyId: access.familyId!,
    appId: access.appId,
    userId: access.userId!,
    scopes: access.scopes,
    createdAtMs: access.createdAtMs,
    expiresAtMs: access.createdAtMs + 180 * 24 * HOUR,
    usedAtMs: null,
    revokedAtMs: null,
    ...overrides,
  };
}

/** An access token of a new OAuth 2.0 grant (family) and its refresh token. */
function grant(appId: string, userId: string, createdAtMs = Date.now()): { access: TokenRecord; refresh: RefreshTokenRecord } {
  const access = token(appId, userId, { familyId: `family-${ids.next()}`, createdAtMs, expiresAtMs: createdAtMs + 2 * HOUR });
  return { access, refresh: refreshToken(access) };
}

/** The access and refresh tokens a rotation of `previous` issues, in its family. */
function rotation(previous: RefreshTokenRecord, createdAtMs = Date.now()): { access: TokenRecord; refresh: RefreshTokenRecord } {
  const access = token(previous.appId, previous.userId, { familyId: previous.familyId, createdAtMs, expiresAtMs: createdAtMs + 2 * HOUR });
  return { access, refresh: refreshToken(access) };
}

function oauth1Token(appId: string, userId: string, overrides: Partial<OAuth1TokenRecord> = {}): OAuth1TokenRecord {
  return {
    token: `${ids.next()}-oauth1`,
    secretSealed: `sealed-token-secret-${ids.next()}`,
    appId,
    userId,
    createdAtMs: Date.now(),
    revokedAtMs: null,
    ...overrides,
  };
}

/** An app with OAuth 1.0a consumer credentials, as `Credentials.createApp` makes them. */
function oauth1App(overrides: Partial<AppRecord> = {}): AppRecord {
  return app({ consumerKey: `ck-${ids.next()}`, consumerSecretSealed: `sealed-consumer-secret-${ids.next()}`, ...overrides });
}

/** Ids of the given records in the order `list` holds them, ignoring rows other tests put in the shared store. */
function orderOf<T>(list: readonly T[], mine: readonly T[], id: (row: T) => string): string[] {
  const wanted = new Set(mine.map(id));
  return list.map(id).filter((x) => wanted.has(x));
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
 * and the PostgreSQL stores both run it. `open` gives a store to use for the whole suite;
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

    it('reports the newest schema version, which every backend reaches', async () => {
      assert.equal(await store.schemaVersion(), 3);
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
        if (store.getMediaNow) assert.deepEqual(store.getMediaNow(full.id), full);
      });

      it('answers undefined for an unknown id', async () => {
        assert.equal(await store.getMedia(ids.next()), undefined);
        if (store.getMediaNow) assert.equal(store.getMediaNow(ids.next()), null); // optional, null for none
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

      it('findMediaIds names the ids among them that have a row, sessions and expired rows included', async () => {
        const photo = media();
        const upload = media({ state: 'uploading', kind: 'video', category: 'tweet_video', mimeType: 'video/mp4', width: null, height: null });
        const expired = media({ createdAtMs: 1000, expiresAtMs: 2000 });
        for (const row of [photo, upload, expired]) await store.insertMedia(row);
        const found = await store.findMediaIds([ids.next(), expired.id, photo.id, ids.next(), upload.id]);
        assert.deepEqual(found.sort(), [photo.id, upload.id, expired.id].sort());
        assert.deepEqual(await store.findMediaIds([]), []);
        assert.deepEqual(await store.findMediaIds(Array.from({ length: 500 }, () => ids.next())), []);
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
          // Backends may reorder the keys of nested objects (PostgreSQL's JSONB does); compare canonically.
          const sent = patches.filter((p) => key in p).map((p) => canonical(p[key]));
          assert.ok(sent.includes(canonical(stored[key])), `${key} holds one of the values sent for it`);
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

      it('answers findTokenNow, where it has it, as findToken does (null for none); revocation shows at once', async () => {
        if (!store.findTokenNow) return; // optional: stores that need I/O leave it out
        const live = token(client.id, owner.id);
        await store.insertToken(live);
        assert.deepEqual(store.findTokenNow(live.hash), live);
        assert.equal(store.findTokenNow('d'.repeat(64)), null);
        const at = Date.now();
        await store.revokeToken(live.hash, at);
        assert.deepEqual(store.findTokenNow(live.hash), { ...live, revokedAtMs: at });
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

      it("lists bearer tokens newest first, revoked ones too: all, or one user's", async () => {
        const [alice, bob] = [user(), user()];
        await store.insertUser(alice);
        await store.insertUser(bob);
        const base = Date.now();
        const alices = [
          token(client.id, alice.id, { createdAtMs: base + 1 }),
          token(client.id, alice.id, { createdAtMs: base + 3 }),
          token(client.id, alice.id, { createdAtMs: base + 2, familyId: `family-${ids.next()}` }),
        ];
        const bobs = [token(client.id, bob.id, { createdAtMs: base + 4 })];
        const appOnly = token(client.id, null, { createdAtMs: base + 5 });
        for (const t of [...alices, ...bobs, appOnly]) await store.insertToken(t);
        await store.revokeToken(alices[0]!.hash, base + 10);
        alices[0] = { ...alices[0]!, revokedAtMs: base + 10 };

        assert.deepEqual(await store.listTokens({ userId: alice.id }), [alices[1], alices[2], alices[0]]);
        assert.deepEqual(await store.listTokens({ userId: bob.id }), bobs);
        assert.deepEqual(await store.listTokens({ userId: ids.next() }), []);
        const all = await store.listTokens({});
        assert.deepEqual(
          orderOf(all, [...alices, ...bobs, appOnly], (t) => t.hash),
          [appOnly, bobs[0]!, alices[1]!, alices[2]!, alices[0]!].map((t) => t.hash),
        );
        assert.deepEqual(all.find((t) => t.hash === appOnly.hash), appOnly);
        assert.ok(all.every((t, i) => i === 0 || all[i - 1]!.createdAtMs >= t.createdAtMs), 'newest first');
      });
    });

    describe('user names', () => {
      it('are unique and found whatever the ASCII case, keeping the spelling given', async () => {
        const mixed = user({ username: `Mixed_Case_${ids.next()}` });
        await store.insertUser(mixed);
        assert.deepEqual(await store.findUserByName(mixed.username), mixed);
        assert.deepEqual(await store.findUserByName(mixed.username.toLowerCase()), mixed);
        assert.deepEqual(await store.findUserByName(mixed.username.toUpperCase()), mixed);
        const before = await store.countUsers();
        await assert.rejects(store.insertUser(user({ username: mixed.username.toLowerCase() })), DuplicateKeyError);
        await assert.rejects(store.insertUser(user({ username: mixed.username.toUpperCase() })), DuplicateKeyError);
        assert.equal(await store.countUsers(), before);
      });

      it('fold ASCII letters only: names differing in the case of other letters are different names', async () => {
        // SQLite's NOCASE folds A-Z only; PostgreSQL must do the same whatever the database's locale.
        const suffix = ids.next();
        const upper = user({ username: `ÉLISE${suffix}` });
        const lower = user({ username: `élise${suffix}` });
        await store.insertUser(upper);
        await store.insertUser(lower);
        assert.deepEqual(await store.findUserByName(`Élise${suffix}`), upper);
        assert.deepEqual(await store.findUserByName(`éLiSe${suffix}`), lower);
        assert.equal(await store.findUserByName(`ELISE${suffix}`), undefined);
      });
    });

    describe('listing users and apps', () => {
      it('lists users oldest first (then by id), field for field', async () => {
        const base = Date.now() - HOUR;
        const [first, second, third] = [user({ createdAtMs: base }), user({ createdAtMs: base + 1 }), user({ createdAtMs: base + 1 })];
        for (const u of [third!, first!, second!]) await store.insertUser(u);
        const listed = await store.listUsers();
        assert.deepEqual(orderOf(listed, [first!, second!, third!], (u) => u.id), [first!.id, second!.id, third!.id]);
        assert.deepEqual(listed.find((u) => u.id === second!.id), second);
        assert.equal(listed.length, await store.countUsers());
      });

      it('lists apps oldest first (then by id), field for field', async () => {
        const base = Date.now() - HOUR;
        const [first, second, third] = [oauth1App({ createdAtMs: base }), app({ createdAtMs: base + 1 }), app({ createdAtMs: base + 1 })];
        for (const a of [third!, first!, second!]) await store.insertApp(a);
        const listed = await store.listApps();
        assert.deepEqual(orderOf(listed, [first!, second!, third!], (a) => a.id), [first!.id, second!.id, third!.id]);
        assert.deepEqual(listed.find((a) => a.id === first!.id), first);
        assert.deepEqual(listed.find((a) => a.id === second!.id), second);
      });
    });

    describe('apps by client id and consumer key', () => {
      it('finds an app by its client id and by its consumer key, each only by its own', async () => {
        const withKeys = oauth1App({ clientSecretHash: 'cd'.repeat(32), callbackUrls: ['https://b.example/cb'] });
        const withoutKeys = app();
        await store.insertApp(withKeys);
        await store.insertApp(withoutKeys);
        assert.deepEqual(await store.findAppByClientId(withKeys.clientId), withKeys);
        assert.deepEqual(await store.findAppByClientId(withoutKeys.clientId), withoutKeys);
        assert.deepEqual(await store.findAppByConsumerKey(withKeys.consumerKey!), withKeys);
        assert.equal(await store.findAppByClientId('no-such-client'), undefined);
        assert.equal(await store.findAppByConsumerKey('no-such-key'), undefined);
        assert.equal(await store.findAppByClientId(withKeys.consumerKey!), undefined);
        assert.equal(await store.findAppByConsumerKey(withKeys.clientId), undefined);
      });

      it('refuses a taken consumer key with DuplicateKeyError; any number of apps may have none', async () => {
        const first = oauth1App();
        await store.insertApp(first);
        const clash = oauth1App({ consumerKey: first.consumerKey });
        await assert.rejects(store.insertApp(clash), DuplicateKeyError);
        assert.equal(await store.findAppByName(clash.name), undefined);
        assert.deepEqual(await store.findAppByConsumerKey(first.consumerKey!), first);
        const keyless = [app(), app()];
        for (const a of keyless) await store.insertApp(a);
        for (const a of keyless) assert.deepEqual(await store.findAppByClientId(a.clientId), a);
      });
    });

    describe('OAuth 2.0 grants', () => {
      let owner: UserRecord;
      let client: AppRecord;

      before(async () => {
        owner = user();
        client = app({ clientSecretHash: 'ef'.repeat(32) });
        await store.insertUser(owner);
        await store.insertApp(client);
      });

      it('insertGrant stores the access token and, when given, the refresh token', async () => {
        const offline = grant(client.id, owner.id);
        await store.insertGrant(offline.access, offline.refresh);
        assert.deepEqual(await store.findToken(offline.access.hash), offline.access);
        assert.deepEqual(await store.findRefreshToken(offline.refresh.hash), offline.refresh);
        assert.equal(await store.findToken(offline.refresh.hash), undefined, 'a refresh token is no bearer token');

        const online = grant(client.id, owner.id);
        await store.insertGrant(online.access, null);
        assert.deepEqual(await store.findToken(online.access.hash), online.access);
        assert.equal(await store.findRefreshToken(online.refresh.hash), undefined);
        assert.equal(await store.findRefreshToken('d'.repeat(64)), undefined);
      });

      it('insertGrant stores both tokens or neither', async () => {
        const first = grant(client.id, owner.id);
        await store.insertGrant(first.access, first.refresh);
        const second = grant(client.id, owner.id);
        await assert.rejects(store.insertGrant(second.access, { ...second.refresh, hash: first.refresh.hash }), DuplicateKeyError);
        assert.equal(await store.findToken(second.access.hash), undefined);
        assert.deepEqual(await store.findRefreshToken(first.refresh.hash), first.refresh);
      });

      it('rotates a live refresh token: marks it used, stores the next tokens, resolves true', async () => {
        const first = grant(client.id, owner.id);
        await store.insertGrant(first.access, first.refresh);
        const at = Date.now();
        const second = rotation(first.refresh, at);
        assert.equal(await store.rotateRefreshToken(first.refresh.hash, second.access, second.refresh, at), true);
        assert.deepEqual(await store.findRefreshToken(first.refresh.hash), { ...first.refresh, usedAtMs: at });
        assert.deepEqual(await store.findToken(second.access.hash), second.access);
        assert.deepEqual(await store.findRefreshToken(second.refresh.hash), second.refresh);
        assert.deepEqual(await store.findToken(first.access.hash), first.access, 'the earlier access token stays live');

        const third = rotation(second.refresh, at + 1);
        assert.equal(await store.rotateRefreshToken(second.refresh.hash, third.access, third.refresh, at + 1), true);
        assert.deepEqual(await store.findRefreshToken(third.refresh.hash), third.refresh);
      });

      it('a replayed refresh token stores nothing and revokes the whole family, resolving false', async () => {
        const first = grant(client.id, owner.id);
        const bystander = grant(client.id, owner.id);
        await store.insertGrant(first.access, first.refresh);
        await store.insertGrant(bystander.access, bystander.refresh);
        const usedAt = Date.now();
        const second = rotation(first.refresh, usedAt);
        assert.equal(await store.rotateRefreshToken(first.refresh.hash, second.access, second.refresh, usedAt), true);

        const at = usedAt + 1000;
        const replay = rotation(first.refresh, at);
        assert.equal(await store.rotateRefreshToken(first.refresh.hash, replay.access, replay.refresh, at), false);
        assert.equal(await store.findToken(replay.access.hash), undefined);
        assert.equal(await store.findRefreshToken(replay.refresh.hash), undefined);
        assert.deepEqual(await store.findToken(first.access.hash), { ...first.access, revokedAtMs: at });
        assert.deepEqual(await store.findToken(second.access.hash), { ...second.access, revokedAtMs: at });
        assert.deepEqual(await store.findRefreshToken(first.refresh.hash), { ...first.refresh, usedAtMs: usedAt, revokedAtMs: at });
        assert.deepEqual(await store.findRefreshToken(second.refresh.hash), { ...second.refresh, revokedAtMs: at });
        assert.deepEqual(await store.findToken(bystander.access.hash), bystander.access, 'other grants are untouched');
        assert.deepEqual(await store.findRefreshToken(bystander.refresh.hash), bystander.refresh);

        // The family is dead: even its newest refresh token no longer rotates, and nothing moves the revocation time.
        const after = rotation(second.refresh, at + 1);
        assert.equal(await store.rotateRefreshToken(second.refresh.hash, after.access, after.refresh, at + 1), false);
        assert.equal(await store.findToken(after.access.hash), undefined);
        assert.equal((await store.findRefreshToken(second.refresh.hash))?.revokedAtMs, at);
      });

      it('rotating an unknown refresh token resolves false and stores nothing', async () => {
        const stray = grant(client.id, owner.id);
        assert.equal(await store.rotateRefreshToken('c'.repeat(64), stray.access, stray.refresh, Date.now()), false);
        assert.equal(await store.findToken(stray.access.hash), undefined);
        assert.equal(await store.findRefreshToken(stray.refresh.hash), undefined);
      });

      it('of 20 concurrent rotations of one refresh token, exactly one succeeds', async () => {
        const first = grant(client.id, owner.id);
        await store.insertGrant(first.access, first.refresh);
        const at = Date.now();
        const attempts = Array.from({ length: 20 }, () => rotation(first.refresh, at));
        const results = await Promise.all(attempts.map((next) => store.rotateRefreshToken(first.refresh.hash, next.access, next.refresh, at)));
        assert.equal(results.filter((ok) => ok).length, 1, `results: ${results.join(' ')}`);
        const winner = attempts[results.indexOf(true)]!;
        for (const attempt of attempts.filter((a) => a !== winner)) {
          assert.equal(await store.findToken(attempt.access.hash), undefined);
          assert.equal(await store.findRefreshToken(attempt.refresh.hash), undefined);
        }
        // The others are second uses of a used token: like any replay, they revoke the family, the winner's tokens too.
        assert.deepEqual(await store.findToken(winner.access.hash), { ...winner.access, revokedAtMs: at });
        assert.deepEqual(await store.findRefreshToken(winner.refresh.hash), { ...winner.refresh, revokedAtMs: at });
        assert.deepEqual(await store.findRefreshToken(first.refresh.hash), { ...first.refresh, usedAtMs: at, revokedAtMs: at });
      });

      it('settles rotations and revocations of one family racing each other, leaving it wholly revoked', async () => {
        const first = grant(client.id, owner.id);
        await store.insertGrant(first.access, first.refresh);
        const familyId = first.access.familyId!;
        const at = Date.now();
        const attempts = Array.from({ length: 10 }, () => rotation(first.refresh, at));
        const outcomes = await Promise.all([
          ...attempts.map((next, n) =>
            n % 2 === 0
              ? store.rotateRefreshToken(first.refresh.hash, next.access, next.refresh, at)
              : store.revokeFamily(familyId, at),
          ),
          store.revokeFamily(familyId, at),
        ]);
        const rotated = outcomes.filter((outcome) => outcome === true).length;
        assert.ok(rotated <= 1, `at most one rotation succeeds: ${outcomes.join(' ')}`);
        assert.equal(await store.revokeFamily(familyId, at + 1), 0, 'nothing of the family is left live');
        assert.deepEqual(await store.findToken(first.access.hash), { ...first.access, revokedAtMs: at });
      });

      it('revokeFamily revokes every access and refresh token of one grant, counting those not revoked before', async () => {
        const first = grant(client.id, owner.id);
        const bystander = grant(client.id, owner.id);
        const cliToken = token(client.id, owner.id);
        await store.insertGrant(first.access, first.refresh);
        await store.insertGrant(bystander.access, bystander.refresh);
        await store.insertToken(cliToken);
        const revokedBefore = token(client.id, owner.id, { familyId: first.access.familyId, revokedAtMs: first.access.createdAtMs });
        await store.insertToken(revokedBefore);
        const usedAt = Date.now();
        const second = rotation(first.refresh, usedAt);
        await store.rotateRefreshToken(first.refresh.hash, second.access, second.refresh, usedAt);

        const at = usedAt + 1000;
        // Two access tokens and two refresh tokens (the used one too); not the one revoked before.
        assert.equal(await store.revokeFamily(first.access.familyId!, at), 4);
        assert.deepEqual(await store.findToken(first.access.hash), { ...first.access, revokedAtMs: at });
        assert.deepEqual(await store.findToken(second.access.hash), { ...second.access, revokedAtMs: at });
        assert.deepEqual(await store.findRefreshToken(first.refresh.hash), { ...first.refresh, usedAtMs: usedAt, revokedAtMs: at });
        assert.deepEqual(await store.findRefreshToken(second.refresh.hash), { ...second.refresh, revokedAtMs: at });
        assert.deepEqual(await store.findToken(revokedBefore.hash), revokedBefore, 'an earlier revocation time stays');
        assert.equal(await store.revokeFamily(first.access.familyId!, at + 1), 0);
        assert.equal((await store.findToken(first.access.hash))?.revokedAtMs, at);
        assert.equal(await store.revokeFamily(`family-${ids.next()}`, at), 0);
        assert.deepEqual(await store.findToken(bystander.access.hash), bystander.access);
        assert.deepEqual(await store.findRefreshToken(bystander.refresh.hash), bystander.refresh);
        assert.deepEqual(await store.findToken(cliToken.hash), cliToken);
      });
    });

    describe('OAuth 1.0a tokens', () => {
      let owner: UserRecord;
      let client: AppRecord;

      before(async () => {
        owner = user();
        client = oauth1App();
        await store.insertUser(owner);
        await store.insertApp(client);
      });

      it('findOAuth1Credentials gives a live token of the app holding that consumer key, with both sealed secrets', async () => {
        const live = oauth1Token(client.id, owner.id);
        await store.insertOAuth1Token(live);
        assert.deepEqual(await store.findOAuth1Credentials(client.consumerKey!, live.token), {
          appId: client.id,
          userId: owner.id,
          consumerSecretSealed: client.consumerSecretSealed,
          tokenSecretSealed: live.secretSealed,
        });
        const otherApp = oauth1App();
        await store.insertApp(otherApp);
        assert.equal(await store.findOAuth1Credentials(otherApp.consumerKey!, live.token), undefined, "another app's consumer key");
        assert.equal(await store.findOAuth1Credentials(client.consumerKey!, `${ids.next()}-oauth1`), undefined, 'unknown token');
        assert.equal(await store.findOAuth1Credentials(live.token, client.consumerKey!), undefined, 'arguments swapped');
      });

      it('findOAuth1Credentials finds no revoked token, and none of an app without a consumer secret', async () => {
        const revokedLater = oauth1Token(client.id, owner.id);
        const revokedFromStart = oauth1Token(client.id, owner.id, { revokedAtMs: Date.now() });
        await store.insertOAuth1Token(revokedLater);
        await store.insertOAuth1Token(revokedFromStart);
        assert.ok(await store.findOAuth1Credentials(client.consumerKey!, revokedLater.token));
        assert.equal(await store.revokeOAuth1Token(revokedLater.token, Date.now()), true);
        assert.equal(await store.findOAuth1Credentials(client.consumerKey!, revokedLater.token), undefined);
        assert.equal(await store.findOAuth1Credentials(client.consumerKey!, revokedFromStart.token), undefined);

        const sealedSecretMissing = app({ consumerKey: `ck-${ids.next()}`, consumerSecretSealed: null });
        await store.insertApp(sealedSecretMissing);
        const orphan = oauth1Token(sealedSecretMissing.id, owner.id);
        await store.insertOAuth1Token(orphan);
        assert.equal(await store.findOAuth1Credentials(sealedSecretMissing.consumerKey!, orphan.token), undefined);
      });

      it('refuses a duplicate token with DuplicateKeyError and keeps the first', async () => {
        const first = oauth1Token(client.id, owner.id);
        await store.insertOAuth1Token(first);
        await assert.rejects(store.insertOAuth1Token({ ...first, secretSealed: 'another secret' }), DuplicateKeyError);
        assert.equal((await store.findOAuth1Credentials(client.consumerKey!, first.token))?.tokenSecretSealed, first.secretSealed);
      });

      it('revokes once: true for a live token, false after, false for an unknown one', async () => {
        const holder = user();
        await store.insertUser(holder);
        const live = oauth1Token(client.id, holder.id);
        await store.insertOAuth1Token(live);
        const at = Date.now();
        assert.equal(await store.revokeOAuth1Token(live.token, at), true);
        assert.equal(await store.revokeOAuth1Token(live.token, at + 1000), false);
        assert.deepEqual(await store.listOAuth1Tokens({ userId: holder.id }), [{ ...live, revokedAtMs: at }], 'the first revocation time stays');
        assert.equal(await store.revokeOAuth1Token(`${ids.next()}-oauth1`, at), false);
      });

      it("lists tokens newest first, revoked ones too: all, or one user's", async () => {
        const [alice, bob] = [user(), user()];
        await store.insertUser(alice);
        await store.insertUser(bob);
        const base = Date.now();
        const alices = [
          oauth1Token(client.id, alice.id, { createdAtMs: base + 2 }),
          oauth1Token(client.id, alice.id, { createdAtMs: base + 1, revokedAtMs: base + 5 }),
          oauth1Token(client.id, alice.id, { createdAtMs: base + 3 }),
        ];
        const bobs = [oauth1Token(client.id, bob.id, { createdAtMs: base + 4 })];
        for (const t of [...alices, ...bobs]) await store.insertOAuth1Token(t);
        assert.deepEqual(await store.listOAuth1Tokens({ userId: alice.id }), [alices[2], alices[0], alices[1]]);
        assert.deepEqual(await store.listOAuth1Tokens({ userId: bob.id }), bobs);
        assert.deepEqual(await store.listOAuth1Tokens({ userId: ids.next() }), []);
        const all = await store.listOAuth1Tokens({});
        assert.deepEqual(
          orderOf(all, [...alices, ...bobs], (t) => t.token),
          [bobs[0]!, alices[2]!, alices[0]!, alices[1]!].map((t) => t.token),
        );
        assert.ok(all.every((t, i) => i === 0 || all[i - 1]!.createdAtMs >= t.createdAtMs), 'newest first');
      });
    });

    describe('deleting users and apps', () => {
      /** Two users, each holding every kind of token of two apps, and each app an app-only token. */
      async function twoUsersTwoApps() {
        const users = [user(), user()] as const;
        const apps = [oauth1App(), oauth1App()] as const;
        for (const u of users) await store.insertUser(u);
        for (const a of apps) await store.insertApp(a);
        const held = [];
        for (const u of users) {
          for (const a of apps) {
            const oauth2 = grant(a.id, u.id);
            const cli = token(a.id, u.id);
            const oauth1 = oauth1Token(a.id, u.id);
            await store.insertGrant(oauth2.access, oauth2.refresh);
            await store.insertToken(cli);
            await store.insertOAuth1Token(oauth1);
            held.push({ user: u, app: a, oauth2, cli, oauth1 });
          }
        }
        const appOnly = apps.map((a) => token(a.id, null));
        for (const t of appOnly) await store.insertToken(t);
        return { users, apps, held, appOnly };
      }

      /** Which of one user's tokens for one app are still stored. */
      async function stored(h: Awaited<ReturnType<typeof twoUsersTwoApps>>['held'][number]) {
        return {
          access: (await store.findToken(h.oauth2.access.hash)) !== undefined,
          refresh: (await store.findRefreshToken(h.oauth2.refresh.hash)) !== undefined,
          cli: (await store.findToken(h.cli.hash)) !== undefined,
          oauth1: (await store.listOAuth1Tokens({ userId: h.user.id })).some((t) => t.token === h.oauth1.token),
        };
      }
      const ALL = { access: true, refresh: true, cli: true, oauth1: true };
      const NONE = { access: false, refresh: false, cli: false, oauth1: false };

      it('deleteUser deletes the user with every token of theirs, and nothing else', async () => {
        const { users, apps, held, appOnly } = await twoUsersTwoApps();
        const [gone, kept] = users;
        const theirMedia = media({ ownerId: gone.id });
        await store.insertMedia(theirMedia);

        assert.equal(await store.deleteUser(gone.id), true);
        assert.equal(await store.findUserById(gone.id), undefined);
        assert.equal(await store.findUserByName(gone.username), undefined);
        for (const h of held) assert.deepEqual(await stored(h), h.user === gone ? NONE : ALL, `${h.user.username} on ${h.app.name}`);
        assert.equal(await store.findOAuth1Credentials(apps[0].consumerKey!, held[0]!.oauth1.token), undefined);
        assert.deepEqual(await store.findUserById(kept.id), kept);
        for (const a of apps) assert.deepEqual(await store.findAppByClientId(a.clientId), a);
        for (const t of appOnly) assert.deepEqual(await store.findToken(t.hash), t);
        assert.deepEqual(await store.getMedia(theirMedia.id), theirMedia, 'media stay until they expire');

        assert.equal(await store.deleteUser(gone.id), false);
        assert.equal(await store.deleteUser(ids.next()), false);
        const again = user({ username: gone.username });
        await store.insertUser(again);
        assert.deepEqual(await store.findUserByName(gone.username), again, 'the name is free again');
      });

      it('deleteApp deletes the app with every token issued to it, and nothing else', async () => {
        const { users, apps, held, appOnly } = await twoUsersTwoApps();
        const [gone, kept] = apps;

        assert.equal(await store.deleteApp(gone.id), true);
        assert.equal(await store.findAppByClientId(gone.clientId), undefined);
        assert.equal(await store.findAppByConsumerKey(gone.consumerKey!), undefined);
        assert.equal(await store.findAppByName(gone.name), undefined);
        for (const h of held) assert.deepEqual(await stored(h), h.app === gone ? NONE : ALL, `${h.user.username} on ${h.app.name}`);
        assert.equal(await store.findToken(appOnly[0]!.hash), undefined);
        assert.deepEqual(await store.findToken(appOnly[1]!.hash), appOnly[1]);
        assert.deepEqual(await store.findAppByClientId(kept.clientId), kept);
        for (const u of users) assert.deepEqual(await store.findUserById(u.id), u);

        assert.equal(await store.deleteApp(gone.id), false);
        assert.equal(await store.deleteApp(ids.next()), false);
        await store.insertApp(app({ name: gone.name, clientId: gone.clientId }));
        assert.equal((await store.findAppByName(gone.name))?.clientId, gone.clientId, 'the name and client id are free again');
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

/** JSON with object keys sorted, so equal values compare equal whatever order a backend kept. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
