/** `GET /peers`: the Regions sharing this registry, their API URLs and replication lag (docs/peers.md). */
import { listPeers, PEER_STATUSES, type PeerStatus } from "../../peers/peer-list.ts";
import type { ApiDeps } from "../deps.ts";
import { badRequest, HttpProblem, type HttpRequest, json } from "../http.ts";
import { type Route, route } from "../router.ts";

const QUERY_PARAMETERS = ["status"] as const;

export const peerRoutes: readonly Route<ApiDeps>[] = [
  route("GET", "/peers", async ({ request, deps }) => {
    const status = statusFilter(request);
    if (deps.peers === undefined) {
      throw new HttpProblem(
        503,
        "peers-unavailable",
        "Peers unavailable",
        "This deployment keeps no peer heartbeats (no peer store is configured).",
      );
    }
    const view = await listPeers(
      deps.logger === undefined ? deps.peers : { logger: deps.logger, ...deps.peers },
      status === undefined ? {} : { status },
    );
    return json(200, view);
  }),
];

function statusFilter(request: HttpRequest): PeerStatus | undefined {
  const unknown = Object.keys(request.query).filter(
    (name) => !(QUERY_PARAMETERS as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    throw badRequest(
      `GET /peers takes only ${QUERY_PARAMETERS.join(", ")}; remove ${unknown.join(", ")}.`,
      unknown.map((name) => ({
        path: `/query/${name}`,
        message: "is not a parameter of GET /peers",
      })),
    );
  }
  const raw = request.query.status;
  if (raw === undefined) return undefined;
  if ((PEER_STATUSES as readonly string[]).includes(raw)) return raw as PeerStatus;
  throw badRequest(`status must be one of ${PEER_STATUSES.join(", ")}; got "${raw}".`, [
    { path: "/query/status", message: `must be one of ${PEER_STATUSES.join(", ")}` },
  ]);
}
