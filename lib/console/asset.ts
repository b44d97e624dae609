/** One static file of the web console, as `assets.generated.ts` holds it. */
export interface ConsoleAsset {
  readonly type: string;
  readonly body: string;
  /** A strong ETag of the body. */
  readonly etag: string;
}
