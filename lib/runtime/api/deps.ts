/**
 * Everything the API handlers use, injected as one object. `aws/api-deps.ts` builds the AWS
 * implementations once per container; tests and the local runtime pass their own.
 */
import type { TemplateSource } from "../../core/project/templates.ts";
import type { EventBusWriter } from "../bus-input.ts";
import type { DriftStore } from "../contracts/drift-store.ts";
import type { DeadLetterQueue } from "../dead-letter-queue.ts";
import type { ExecutionsDeps } from "../execution-lifecycle.ts";
import type { EventHistoryStore } from "../history/bus-history.ts";
import type { EventReplayer } from "../history/replay.ts";
import type { InstanceLoadStore } from "../load/load-store.ts";
import type { Logger } from "../logger.ts";
import type { PeersDeps } from "../peers/peer-list.ts";
import type { RegistryService } from "../registry/registry-service.ts";
import type { ControlPlaneDeps } from "../workflows/versions.ts";
import type { InputValidator } from "./input-validation.ts";

/** A dependency probe for `GET /health`; resolves when the dependency answers. */
export interface HealthCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
}

/**
 * What the bus routes use (`/events`): in AWS they are a Lambda of their own (`events-app.ts`),
 * whose role reaches the bus, the events table and the archive and nothing else.
 */
export interface EventsApiDeps {
  /** Where `POST /events` puts caller events (the orchestration bus). Absent: 503. @default none */
  readonly bus?: EventBusWriter;
  /** `GET /events`: the bus history. Absent: 503. @default none */
  readonly history?: Pick<EventHistoryStore, "list">;
  /** `POST /events/replay`. Absent: 503. @default none */
  readonly replayer?: EventReplayer;
  /** Where unexpected failures and unavailable dependencies are reported. @default consoleLogger */
  readonly logger?: Logger;
}

export interface ApiDeps extends ExecutionsDeps, EventsApiDeps {
  readonly registry: RegistryService;
  readonly dlq: DeadLetterQueue;
  readonly healthChecks: readonly HealthCheck[];
  readonly inputValidator: InputValidator;
  /**
   * The workflows table and the engine's deployer, for runtime workflow management
   * (`PUT`/`DELETE /workflows/{name}`, versions, aliases). Absent: those routes answer 503.
   * @default none
   */
  readonly controlPlane?: ControlPlaneDeps;
  /**
   * The templates served (`GET /templates`, `POST /workflows/from-template`): read once, checked.
   * @default none
   */
  readonly templates?: () => Promise<readonly TemplateSource[]>;
  /**
   * The stored contract checks (`GET /drift`, `drift` of `GET /services/{name}`); contract
   * refreshes store their judgement in it. Absent: `GET /drift` answers 503. @default none
   */
  readonly drift?: DriftStore;
  /** The Region whose workflows this API serves (the key of its drift records). @default `local` */
  readonly region?: string;
  /**
   * The peer heartbeats and replication lag (`GET /peers`, docs/peers.md). Absent: `GET /peers`
   * answers 503. @default none
   */
  readonly peers?: PeersDeps;
  /** The load counters every service caller shares (`GET /services/{name}/load`). @default none (503) */
  readonly load?: InstanceLoadStore;
  /** Picks among an alias's weighted versions. @default Math.random */
  readonly random?: () => number;
  /** Where unexpected failures and unavailable dependencies are reported. @default consoleLogger */
  readonly logger?: Logger;
}
