/**
 * Where each Region says it is alive: one heartbeat per Region in the registry table, which peer
 * Regions replicate (a DynamoDB global table; one shared store between `baton dev` instances), so
 * every Region reads every peer's heartbeat (docs/peers.md).
 */

export interface PeerHeartbeat {
  /** The Region (`local`, or the name given to `baton dev --region`) that wrote it. */
  readonly region: string;
  /** Its API's base URL, without a trailing slash. */
  readonly apiUrl: string;
  /** Epoch milliseconds of the write. */
  readonly lastSeen: number;
}

export interface PeerStore {
  /** Writes this Region's heartbeat (it overwrites the previous one). */
  put(heartbeat: PeerHeartbeat): Promise<void>;
  /** Every Region's latest heartbeat, sorted by Region. */
  list(): Promise<PeerHeartbeat[]>;
}

export class MemoryPeerStore implements PeerStore {
  readonly #heartbeats = new Map<string, PeerHeartbeat>();

  async put(heartbeat: PeerHeartbeat): Promise<void> {
    this.#heartbeats.set(heartbeat.region, heartbeat);
  }

  async list(): Promise<PeerHeartbeat[]> {
    return [...this.#heartbeats.values()].sort((a, b) => a.region.localeCompare(b.region));
  }
}
