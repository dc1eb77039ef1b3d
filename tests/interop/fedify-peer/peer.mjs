#!/usr/bin/env node
// Kindred's ActivityPub test peer, built on Fedify 1.5.9.
//
// The federation side (WebFinger, actor, inboxes, HTTP/LD signatures, NodeInfo) is Fedify's own
// code, so our C# interop tests check Kindred against an independent implementation rather than
// against itself. This file only adds glue: in-memory state, a JSON control API under /_peer/,
// and a loopback-only network guard. See README.md for the control API.
//
//   node peer.mjs --port 8001 --user alice [--host 127.0.0.1] [--log-level info] [--parent-pid N]

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { parseArgs } from "node:util";
import { Temporal } from "@js-temporal/polyfill";
import { configure, defaultTextFormatter } from "@logtape/logtape";
import {
  Accept, Activity, Announce, Create, Endpoints, Follow, MemoryKvStore, Note, Object as APObject,
  Page, Person, PUBLIC_COLLECTION, Reject, Undo, createFederation, generateCryptoKeyPair,
  getDocumentLoader, parseSemVer, signRequest,
} from "@fedify/fedify";

// ---------------------------------------------------------------------------------------------
// Loopback guard. Tests must never reach beyond this machine, so this is enforced twice: at
// fetch() (clear error message) and at the socket layer (catches anything that bypasses fetch,
// e.g. a library bundling its own HTTP client).

function isLoopbackHost(host) {
  const h = String(host).replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(h);
}

const socketConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  // net.connect() passes a pre-normalised [options, callback] array; direct calls pass
  // (options, cb) or (port, host, cb).
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const opts = first !== null && typeof first === "object" ? first : { port: first, host: args[1] };
  if (opts.path == null && !isLoopbackHost(opts.host ?? "localhost")) {
    throw new Error(`loopback guard: refusing to connect to ${opts.host}`);
  }
  return socketConnect.apply(this, args);
};

// Every outbound request is logged; inside exchanges.run(list, ...) it is also recorded with the
// remote status and body, which is how the control API reports what the remote server answered
// even though Fedify itself only throws a message string on failure.
const exchanges = new AsyncLocalStorage();
const realFetch = globalThis.fetch;
globalThis.fetch = async function guardedFetch(input, init) {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  if (!isLoopbackHost(url.hostname)) {
    throw new Error(`loopback guard: refusing ${method} ${url.href}`);
  }
  const record = exchanges.getStore();
  const sent = record && input instanceof Request && method !== "GET"
    ? await input.clone().text() : undefined;
  const response = await realFetch(input, init);
  out("fetch", { method, url: url.href, status: response.status });
  if (record) {
    record.push({ method, url: url.href, status: response.status,
      body: truncate(await response.clone().text()), sent });
  }
  return response;
};

// ---------------------------------------------------------------------------------------------
// Options and logging.

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PEER_PORT ?? "8001" },
    host: { type: "string", default: process.env.PEER_HOST ?? "127.0.0.1" },
    user: { type: "string", default: process.env.PEER_USER ?? "alice" },
    "log-level": { type: "string", default: process.env.PEER_LOG_LEVEL ?? "info" },
    "parent-pid": { type: "string" },
  },
});
const USER = args.user;
if (!/^[a-z0-9_]+$/i.test(USER)) fail(`bad --user ${USER}`);
if (!isLoopbackHost(args.host)) fail(`refusing to listen on non-loopback host ${args.host}`);

// Our own event lines go to stdout, one JSON object per line, so a test harness can parse them.
function out(tag, data) {
  process.stdout.write(`[${tag}] ${JSON.stringify(data)}\n`);
}
function fail(message) {
  process.stderr.write(`[fatal] ${message}\n`);
  process.exit(2);
}
function truncate(text, max = 4000) {
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}

// Fedify's own log lines go to stderr, flattened to one line each (they often embed newlines).
await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: {
    stderr: (record) =>
      process.stderr.write(defaultTextFormatter(record).trimEnd().replace(/\n/g, "\\n") + "\n"),
  },
  loggers: [
    { category: "fedify", sinks: ["stderr"], lowestLevel: args["log-level"] },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
  ],
});

// ---------------------------------------------------------------------------------------------
// In-memory state. Nothing persists: each test run gets a fresh peer with fresh keys.

const received = []; // verified activities that reached a listener
const sentLog = []; // every delivery this peer made (including automatic Accepts)
const sentActivities = new Map(); // id -> Activity, so they (and their objects) dereference
const sentObjects = new Map(); // id -> Note/Page
const followers = new Map(); // actor id -> Recipient
const following = new Map(); // target actor id -> { target, followId, state, updatedAt }

// RSA 2048 rather than Fedify's default 4096: same algorithm, starts in well under a second.
const rsaKeys = await crypto.subtle.generateKey(
  { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256" },
  true, ["sign", "verify"]);
const keyPairs = [rsaKeys, await generateCryptoKeyPair("Ed25519")];

// ---------------------------------------------------------------------------------------------
// Listen first (so --port 0 works), then build the federation for the real origin.

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    out("server-error", { url: req.url, error: String(error?.stack ?? error) });
    if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ ok: false, error: String(error) }));
  });
});
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(Number(args.port), args.host, resolve);
});
const { port } = server.address();
const hostPort = `${args.host.includes(":") ? `[${args.host}]` : args.host}:${port}`;
const ORIGIN = `http://${hostPort}`;

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin: ORIGIN, // our URLs never depend on the Host header a client sent
  allowPrivateAddress: true, // otherwise Fedify refuses every fetch to 127.0.0.1
  // skipSignatureVerification stays false: unsigned or badly signed inbox POSTs get 401.
});
const ctx = federation.createContext(new URL(ORIGIN), undefined);

federation
  .setActorDispatcher("/users/{identifier}", async (c, identifier) => {
    if (identifier !== USER) return null;
    const keys = await c.getActorKeyPairs(identifier);
    return new Person({
      id: c.getActorUri(identifier),
      preferredUsername: identifier,
      name: `${identifier} (Kindred Fedify test peer)`,
      inbox: c.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: c.getInboxUri() }),
      outbox: c.getOutboxUri(identifier),
      followers: c.getFollowersUri(identifier),
      manuallyApprovesFollowers: false,
      publicKey: keys[0].cryptographicKey, // RSA, "#main-key": what Mastodon-style servers read
      assertionMethods: keys.map((k) => k.multikey), // RSA + Ed25519 (FEP-521a)
    });
  })
  .mapHandle((_c, handle) => (handle === USER ? USER : null))
  .setKeyPairsDispatcher((_c, identifier) => (identifier === USER ? keyPairs : []));

federation.setFollowersDispatcher("/users/{identifier}/followers", (_c, identifier) =>
  identifier === USER ? { items: [...followers.values()] } : null);

federation.setOutboxDispatcher("/users/{identifier}/outbox", (_c, identifier) =>
  identifier === USER
    ? { items: [...sentActivities.values()].filter((a) => a instanceof Create).reverse() }
    : null);

// What we send must be dereferenceable: a receiving server may fetch an object or activity by id.
for (const [cls, path, store] of [
  [Note, "/users/{identifier}/notes/{id}", sentObjects],
  [Page, "/users/{identifier}/pages/{id}", sentObjects],
  [Activity, "/users/{identifier}/activities/{id}", sentActivities],
]) {
  federation.setObjectDispatcher(cls, path, (c, { identifier, id }) =>
    identifier === USER ? store.get(c.getObjectUri(cls, { identifier, id }).href) ?? null : null);
}

federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: { name: "kindred-fedify-peer", version: parseSemVer("0.1.0") },
  protocols: ["activitypub"],
  usage: { users: { total: 1, activeMonth: 1, activeHalfyear: 1 },
    localPosts: sentObjects.size, localComments: 0 },
}));

const ACTOR = ctx.getActorUri(USER);
// Fedify assigns the key ids (#main-key for the RSA pair, #key-2 for Ed25519).
const actorKeys = await ctx.getActorKeyPairs(USER);

// ---------------------------------------------------------------------------------------------
// Inbox. Fedify verifies the HTTP signature before any listener runs; listeners only see
// verified activities. The raw JSON is not exposed by Fedify's InboxContext, so the HTTP
// adapter keeps it in inboxRequest for the duration of the request.

const inboxRequest = new AsyncLocalStorage();

function typeName(obj) {
  return obj?.constructor?.typeId?.href.split("#").pop() ?? null;
}
function idOf(value) {
  return typeof value === "string" ? value : value?.id ?? null;
}

function recordReceived(activity, extra = {}) {
  const req = inboxRequest.getStore() ?? {};
  const raw = req.json ?? null;
  const entry = {
    receivedAt: new Date().toISOString(),
    inbox: req.path ?? null,
    keyId: req.keyId ?? null,
    type: typeof raw?.type === "string" ? raw.type : typeName(activity),
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    objectId: activity.objectId?.href ?? idOf(raw?.object),
    objectType: typeof raw?.object === "object" ? raw.object?.type ?? null : null,
    ...extra,
    raw,
  };
  received.push(entry);
  const { raw: _omit, ...summary } = entry;
  out("inbox", summary);
  return entry;
}

// Work that must happen after our 202 has gone out (like a queued server would), so the remote
// side has finished handling its own request before our reply to it arrives.
function afterResponse(task) {
  const req = inboxRequest.getStore();
  if (req) req.after.push(task);
  else setImmediate(task);
}

// Authorized-fetch loader: signs GETs with our RSA key. Like Fedify's own authenticated loader
// it does not cache, so tests always see the remote's current documents.
function signedLoader() {
  const [{ keyId, privateKey }] = actorKeys;
  return ctx.getDocumentLoader({ keyId, privateKey });
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (c, follow) => {
    recordReceived(follow);
    if (follow.objectId?.href !== ACTOR.href || follow.actorId == null) return;
    // Signed fetch: Kindred may require authorized fetch for its actor documents.
    const follower = await follow.getActor({ documentLoader: signedLoader(),
      contextLoader: c.contextLoader });
    if (follower?.id == null) return;
    followers.set(follower.id.href, follower);
    const accept = new Accept({ id: newActivityId(), actor: ACTOR, object: follow,
      to: follower.id });
    afterResponse(() => deliver(accept, follower, "accept"));
  })
  .on(Undo, async (_c, undo) => {
    const raw = inboxRequest.getStore()?.json;
    recordReceived(undo);
    if (raw?.object?.type === "Follow" && idOf(raw.object.object) === ACTOR.href) {
      followers.delete(undo.actorId?.href);
    }
  })
  .on(Accept, (_c, accept) => answerToOurFollow(accept, "accepted"))
  .on(Reject, (_c, reject) => answerToOurFollow(reject, "rejected"))
  .on(Announce, async (_c, announce) => {
    // FEP-1b12 groups wrap the member's activity; tests want to know what was wrapped.
    const inner = inboxRequest.getStore()?.json?.object;
    let innerType = typeof inner === "object" ? inner?.type ?? null : null;
    if (innerType == null && typeof inner === "string") {
      try {
        innerType = (await signedLoader()(inner)).document?.type ?? null;
      } catch (error) {
        innerType = `unresolved: ${error.message}`;
      }
    }
    recordReceived(announce, { innerType, innerId: idOf(inner) });
  })
  .on(Activity, (_c, activity) => recordReceived(activity)) // everything else: just record
  .onError((_c, error) => out("inbox-error", { error: String(error?.stack ?? error) }));

function answerToOurFollow(activity, state) {
  const entry = recordReceived(activity);
  // Match by the Follow's id; fall back to the answering actor for servers that send only a
  // stripped-down object.
  const target = [...following.values()].find((f) => f.followId === entry.objectId)
    ?? following.get(entry.actor);
  if (target) Object.assign(target, { state, updatedAt: new Date().toISOString() });
  out("following", { target: target?.target ?? null, state, matched: target != null });
}

// ---------------------------------------------------------------------------------------------
// Outbound helpers.

function newActivityId() {
  return ctx.getObjectUri(Activity, { identifier: USER, id: randomUUID() });
}

class RemoteError extends Error {
  constructor(message, status = null, body = null) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// Runs fn while recording outbound exchanges; on failure, attaches the remote status/body of the
// last non-2xx answer so the control API can report it.
async function recorded(fn) {
  const log = [];
  try {
    return { result: await exchanges.run(log, fn), log };
  } catch (error) {
    const bad = log.findLast((x) => x.status >= 300);
    if (error instanceof RemoteError || bad == null) throw Object.assign(error, { log });
    throw Object.assign(new RemoteError(error.message, bad.status, bad.body), { log });
  }
}

// acct: WebFinger done by hand over plain http: Fedify 1.5.9 always uses https for acct: lookups.
async function webfinger(handle) {
  const m = /^(?:acct:|@)?([^@\s]+)@([^@\s]+)$/.exec(handle);
  if (!m) throw new RemoteError(`not an acct: handle: ${handle}`);
  const url = new URL(`http://${m[2]}/.well-known/webfinger`);
  url.searchParams.set("resource", `acct:${m[1]}@${m[2]}`);
  const res = await fetch(url, { headers: { Accept: "application/jrd+json" } });
  const body = await res.text();
  if (!res.ok) throw new RemoteError(`WebFinger ${url.href}: HTTP ${res.status}`, res.status, body);
  const jrd = JSON.parse(body);
  const self = jrd.links?.find((l) => l.rel === "self"
    && /^application\/(activity\+json|ld\+json)/.test(l.type ?? "") && l.href);
  if (!self) throw new RemoteError(`WebFinger ${url.href}: no self link`, res.status, body);
  return { url: url.href, status: res.status, subject: jrd.subject ?? null, selfHref: self.href };
}

// Resolves an acct: handle or URL to a parsed Fedify object, fetched signed by default.
async function resolve(idOrHandle, signed = true) {
  if (typeof idOrHandle !== "string" || idOrHandle === "") {
    throw new RemoteError("id must be a non-empty string");
  }
  const isUrl = /^https?:\/\//.test(idOrHandle);
  const wf = isUrl ? null : await webfinger(idOrHandle);
  const url = isUrl ? idOrHandle : wf.selfHref;
  const documentLoader = signed ? signedLoader() : getDocumentLoader({ allowPrivateAddress: true });
  const { document } = await documentLoader(url);
  const object = await APObject.fromJsonLd(document,
    { documentLoader, contextLoader: ctx.contextLoader });
  return { webfinger: wf, url, document, object };
}

function summarize(o) {
  const href = (u) => u?.href ?? null;
  const str = (v) => (v == null ? null : String(v));
  return {
    type: typeName(o), id: href(o.id), preferredUsername: str(o.preferredUsername),
    name: str(o.name), inbox: href(o.inboxId), sharedInbox: href(o.endpoints?.sharedInbox),
    outbox: href(o.outboxId), followers: href(o.followersId), following: href(o.followingId),
    publicKeys: (o.publicKeyIds ?? []).map(href),
    assertionMethods: (o.assertionMethodIds ?? []).map(href),
  };
}

// Sends one activity right away (no queue) and reports what each inbox answered.
async function deliver(activity, recipient, reason = "control") {
  sentActivities.set(activity.id.href, activity);
  let error = null;
  let log = [];
  try {
    ({ log } = await recorded(() =>
      ctx.sendActivity({ identifier: USER }, recipient, activity, { immediate: true })));
  } catch (e) {
    ({ log = [] } = e);
    error = e.message;
  }
  const deliveries = log.filter((x) => x.method === "POST")
    .map(({ url, status, body }) => ({ inbox: url, status, body }));
  const sent = log.find((x) => x.method === "POST")?.sent;
  if (error == null && deliveries.length === 0) error = "no inbox was delivered to";
  const result = {
    ok: error == null && deliveries.length > 0 && deliveries.every((d) => d.status < 300),
    id: activity.id.href, type: typeName(activity), deliveries, error,
    activity: sent ? JSON.parse(sent) : null,
  };
  sentLog.push({ sentAt: new Date().toISOString(), reason, ...result });
  out("sent", { reason, type: result.type, id: result.id,
    deliveries: deliveries.map(({ inbox, status }) => ({ inbox, status })), error });
  return result;
}

function recipientOf(actor) {
  if (actor.inboxId == null) throw new RemoteError(`${actor.id?.href} has no inbox`);
  return actor;
}

// ---------------------------------------------------------------------------------------------
// Control API. HTTP 200 means the peer did what was asked; whether the remote server accepted
// it is in the body (ok, status). 400 is a bad control request.

class BadRequest extends Error {}
function need(body, field) {
  if (typeof body[field] !== "string" || body[field] === "") {
    throw new BadRequest(`${field} required`);
  }
  return body[field];
}

const control = {
  "GET /_peer/info": () => ({
    ok: true, origin: ORIGIN, actor: ACTOR.href, handle: `${USER}@${hostPort}`,
    inbox: ctx.getInboxUri(USER).href, sharedInbox: ctx.getInboxUri().href,
    keyIds: actorKeys.map((k) => k.keyId.href),
    followers: [...followers.keys()], following: [...following.values()],
    received: received.length, sent: sentLog.length,
  }),

  "GET /_peer/inbox": (_body, query) => {
    const type = query.get("type");
    return { ok: true, activities: received.filter((a) => type == null || a.type === type) };
  },

  "DELETE /_peer/inbox": () => {
    const cleared = received.splice(0).length;
    return { ok: true, cleared };
  },

  "GET /_peer/sent": () => ({ ok: true, sent: sentLog }),

  "POST /_peer/lookup": async (body) => {
    const { result, log } = await recorded(() => resolve(need(body, "id"), body.signed !== false));
    const last = log.findLast((x) => x.url === result.url);
    return { ok: true, status: last?.status ?? null, url: result.url, webfinger: result.webfinger,
      summary: summarize(result.object), raw: result.document };
  },

  "POST /_peer/follow": async (body) => {
    const { result: target } = await recorded(() => resolve(need(body, "object")));
    const actor = recipientOf(target.object);
    const follow = new Follow({ id: newActivityId(), actor: ACTOR, object: actor.id, to: actor.id });
    following.set(actor.id.href, { target: actor.id.href, followId: follow.id.href,
      state: "pending", updatedAt: new Date().toISOString() });
    const result = await deliver(follow, actor);
    const entry = following.get(actor.id.href);
    if (!result.ok && entry.state === "pending") entry.state = "failed";
    return { ...result, target: actor.id.href, following: entry.state };
  },

  "POST /_peer/unfollow": async (body) => {
    const { result: target } = await recorded(() => resolve(need(body, "object")));
    const actor = recipientOf(target.object);
    const entry = following.get(actor.id.href);
    if (!entry) throw new BadRequest(`not following ${actor.id.href}`);
    const follow = sentActivities.get(entry.followId)
      ?? new Follow({ id: new URL(entry.followId), actor: ACTOR, object: actor.id });
    const undo = new Undo({ id: newActivityId(), actor: ACTOR, object: follow, to: actor.id });
    const result = await deliver(undo, actor);
    if (result.ok) following.delete(actor.id.href);
    return { ...result, target: actor.id.href };
  },

  "POST /_peer/create": async (body) => {
    const { result: target } = await recorded(() => resolve(need(body, "to")));
    const group = recipientOf(target.object);
    const cls = body.type === "Page" ? Page : body.type == null || body.type === "Note" ? Note
      : null;
    if (cls == null) throw new BadRequest("type must be Note or Page");
    // FEP-1b12: address the group, name it as audience, and cc Public unless asked not to.
    const addressing = { to: group.id, audience: group.id,
      ccs: body.public === false ? [] : [PUBLIC_COLLECTION] };
    const published = Temporal.Now.instant();
    const object = new cls({
      id: ctx.getObjectUri(cls, { identifier: USER, id: randomUUID() }),
      attribution: ACTOR, ...addressing, published,
      name: body.name ?? null, content: body.content ?? null,
      inReplyTo: body.inReplyTo ? new URL(body.inReplyTo) : null,
    });
    sentObjects.set(object.id.href, object);
    const create = new Create({ id: newActivityId(), actor: ACTOR, object, published,
      ...addressing });
    return { ...(await deliver(create, group)), objectId: object.id.href };
  },

  "POST /_peer/send": async (body) => {
    const inbox = new URL(need(body, "inbox"));
    if (body.activity == null || typeof body.activity !== "object") {
      throw new BadRequest("activity object required");
    }
    // Fill in what Fedify insists on; everything else is sent as Fedify re-serialises it
    // (compacted JSON-LD, LD signature, integrity proof). Use /_peer/raw for verbatim JSON.
    const json = { "@context": "https://www.w3.org/ns/activitystreams", id: newActivityId().href,
      actor: ACTOR.href, ...body.activity };
    const activity = await Activity.fromJsonLd(json,
      { documentLoader: signedLoader(), contextLoader: ctx.contextLoader });
    // Fedify skips recipients without an id; the id is only bookkeeping here.
    return deliver(activity, { id: body.recipient ? new URL(body.recipient) : inbox, inboxId: inbox });
  },

  "POST /_peer/raw": async (body) => {
    const url = need(body, "url");
    const method = (body.method ?? "POST").toUpperCase();
    const payload = body.body == null ? undefined
      : typeof body.body === "string" ? body.body : JSON.stringify(body.body);
    const headers = new Headers({ Accept: "application/activity+json", ...(body.headers ?? {}) });
    if (payload !== undefined && !headers.has("Content-Type")) {
      headers.set("Content-Type", "application/activity+json");
    }
    let request = new Request(url, { method, headers, body: payload });
    if (body.sign !== false) request = await signRequest(request, rsaKeys.privateKey, actorKeys[0].keyId);
    if (body.tamper === true) request = await tamper(request);
    const sentBody = payload === undefined ? null : await request.clone().text();
    const sentHeaders = Object.fromEntries(request.headers);
    const response = await fetch(request);
    return { ok: response.ok, status: response.status,
      contentType: response.headers.get("content-type"), body: truncate(await response.text()),
      sent: { method, url, headers: sentHeaders, body: sentBody } };
  },
};


// Changes a request after it was signed, so a correct verifier must reject it: with a body the
// body changes (Digest no longer matches); without one the signature value is corrupted.
async function tamper(request) {
  const text = await request.clone().text();
  const headers = new Headers(request.headers);
  let body;
  if (text !== "") {
    try {
      const json = JSON.parse(text);
      body = JSON.stringify(typeof json === "object" && json !== null
        ? { ...json, tampered: true } : `${text} `);
    } catch {
      body = `${text} `;
    }
  } else {
    headers.set("Signature", headers.get("Signature")?.replace(/signature="(.)/,
      (_m, c) => `signature="${c === "A" ? "B" : "A"}`) ?? "");
  }
  return new Request(request.url, { method: request.method, headers, body });
}

// ---------------------------------------------------------------------------------------------
// Node HTTP <-> Fetch API adapter (Fedify speaks Request/Response).

async function handle(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const bodyBuf = Buffer.concat(chunks);
  const url = new URL(req.url, ORIGIN);

  if (url.pathname.startsWith("/_peer/")) return handleControl(req, res, url, bodyBuf);

  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  // Keep the client's Host in the URL: the signature covers "host" and "(request-target)".
  const request = new Request(new URL(req.url, `http://${req.headers.host ?? hostPort}`), {
    method: req.method, headers,
    body: ["GET", "HEAD"].includes(req.method) || bodyBuf.length === 0 ? undefined : bodyBuf,
  });

  const isInboxPost = req.method === "POST" && /(^\/inbox$|\/inbox$)/.test(url.pathname);
  const state = { path: url.pathname, json: null, after: [],
    keyId: /keyId="([^"]*)"/.exec(req.headers.signature ?? "")?.[1] ?? null };
  if (isInboxPost) {
    try { state.json = JSON.parse(bodyBuf.toString("utf8")); } catch { /* Fedify answers 400 */ }
  }
  const response = await inboxRequest.run(state, () =>
    federation.fetch(request, { contextData: undefined }));
  if (isInboxPost) out("inbox-http", { path: url.pathname, status: response.status, keyId: state.keyId });

  for (const task of state.after) {
    res.once("finish", () => Promise.resolve().then(task).catch((error) =>
      out("after-error", { error: String(error) })));
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

async function handleControl(req, res, url, bodyBuf) {
  const send = (status, data) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(data));
  };
  const route = control[`${req.method} ${url.pathname}`];
  if (!route) return send(404, { ok: false, error: `no route ${req.method} ${url.pathname}` });
  let body = {};
  try {
    if (bodyBuf.length > 0) body = JSON.parse(bodyBuf.toString("utf8"));
  } catch {
    return send(400, { ok: false, error: "body is not JSON" });
  }
  try {
    send(200, await route(body, url.searchParams));
  } catch (error) {
    if (error instanceof BadRequest) return send(400, { ok: false, error: error.message });
    // A remote failure (or a refused non-loopback target) is a normal outcome for a test.
    out("control-error", { route: url.pathname, error: error.message, status: error.status ?? null });
    send(200, { ok: false, error: error.message, status: error.status ?? null,
      body: error.body ?? null });
  }
}

// ---------------------------------------------------------------------------------------------
// Lifecycle.

function shutdown() {
  server.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

// If the test process dies without stopping us, don't linger holding the port.
if (args["parent-pid"]) {
  const parent = Number(args["parent-pid"]);
  setInterval(() => {
    try { process.kill(parent, 0); } catch { shutdown(); }
  }, 1000).unref();
}

out("ready", { origin: ORIGIN, actor: ACTOR.href, handle: `${USER}@${hostPort}`,
  inbox: ctx.getInboxUri(USER).href, sharedInbox: ctx.getInboxUri().href, pid: process.pid });
