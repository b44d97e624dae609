/** What the router mounts: a page that draws itself once and refreshes while it is shown. */
export interface View {
  /** Fetches and redraws the live parts; called at once and then every refresh period. */
  refresh(): Promise<void>;
  dispose?(): void;
}
