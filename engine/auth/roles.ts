// Who may call what: the roles, and one table from every gRPC / gRPC-web
// method to the roles allowed to call it. A method missing from the table is
// refused (and a test fails), so a new method cannot ship unguarded.

export const roles = ['viewer', 'operator', 'rule-author', 'admin', 'integrator'] as const;
export type Role = (typeof roles)[number];

const READ: readonly Role[] = ['viewer', 'operator', 'rule-author', 'admin'];
const OPERATE: readonly Role[] = ['operator', 'admin'];

/**
 * Method path → roles allowed. Viewers read; operators also work incidents and
 * silences; rule authors also backtest; integrators publish events and read
 * alerts; admins do everything.
 */
export const methodRoles: Readonly<Record<string, readonly Role[]>> = {
  '/ioc.v1.Ingest/Publish': ['integrator', 'admin'],
  '/ioc.v1.Alerts/Subscribe': [...READ, 'integrator'],
  '/ioc.v1.Console/Watch': READ,
  '/ioc.v1.Incidents/List': READ,
  '/ioc.v1.Incidents/Get': READ,
  '/ioc.v1.Incidents/Watch': READ,
  '/ioc.v1.Incidents/ListSilences': READ,
  '/ioc.v1.Incidents/Stats': READ,
  '/ioc.v1.Incidents/Acknowledge': OPERATE,
  '/ioc.v1.Incidents/Assign': OPERATE,
  '/ioc.v1.Incidents/Comment': OPERATE,
  '/ioc.v1.Incidents/SetSeverity': OPERATE,
  '/ioc.v1.Incidents/Resolve': OPERATE,
  '/ioc.v1.Incidents/Reopen': OPERATE,
  '/ioc.v1.Incidents/Merge': OPERATE,
  '/ioc.v1.Incidents/Split': OPERATE,
  '/ioc.v1.Incidents/SetSopStep': OPERATE,
  '/ioc.v1.Incidents/CreateSilence': OPERATE,
  '/ioc.v1.Incidents/ExpireSilence': OPERATE,
  '/ioc.v1.Query/Series': READ,
  '/ioc.v1.Query/ZoneKpis': READ,
  '/ioc.v1.Query/Top': READ,
  '/ioc.v1.Query/AlertCounts': READ,
  '/ioc.v1.Query/Mtta': READ,
  '/ioc.v1.Query/SensorsAt': READ,
  '/ioc.v1.Query/IncidentsAt': READ,
  '/ioc.v1.Backtest/Run': ['rule-author', 'admin'],
  // Everyone who can sign in may ask who they are (the console's first call).
  '/ioc.v1.Session/WhoAmI': [...READ, 'integrator'],
};

/** HTTP paths beside gRPC-web: health probes are open (orchestrators call them), metrics need a reader. */
export const httpRoles: Readonly<Record<string, readonly Role[] | 'open'>> = {
  '/healthz': 'open',
  '/readyz': 'open',
  '/metrics': [...READ],
};
