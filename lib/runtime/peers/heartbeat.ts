/**
 * A Region's heartbeat: written on every scheduled health-check round (every minute in AWS, every
 * `baton dev` health-check round locally), so peers see it alive through the replicated registry.
 */
import type { PeerHeartbeat, PeerStore } from "./peer-store.ts";

export interface HeartbeatDeps {
  readonly store: PeerStore;
  /** This Region. */
  readonly region: string;
  /** This Region's API base URL. */
  readonly apiUrl: string;
  /** @default Date.now */
  readonly clock?: () => number;
}

export async function recordHeartbeat(deps: HeartbeatDeps): Promise<PeerHeartbeat> {
  const heartbeat: PeerHeartbeat = {
    region: deps.region,
    apiUrl: withoutTrailingSlash(deps.apiUrl),
    lastSeen: (deps.clock ?? Date.now)(),
  };
  await deps.store.put(heartbeat);
  return heartbeat;
}

/** `https://…/v1/` and `https://…/v1` name one API: peers list it one way. */
export const withoutTrailingSlash = (url: string): string => url.replace(/\/+$/, "");
