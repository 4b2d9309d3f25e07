/**
 * The SST resources the handlers read through `Resource.<Name>`, named once. `infra/` creates its components with
 * these names; the local stack, the test setups, the bundle test and the bench build the same `SST_RESOURCE_<Name>`
 * environment a deployed Lambda gets from its links with {@link resourceEnvironment}. Renaming a resource here
 * breaks every place that names it at type-check time, not a handler at run time.
 *
 * Import-free on purpose (like `table-definition.ts`): `sst.config.ts` bundles it, and it must not pull the AWS SDK
 * or ElectroDB into SST's evaluation of the config.
 */

/** The app's name: SST's `$app.name`, the `Resource.App.name` every handler sees. */
export const appName = "chat";

/** What each linked resource exposes to a handler, as SST's link writes it (without `type`). */
export interface LinkedResources {
  /** The stage's one DynamoDB table (`sst.aws.Dynamo`). */
  Table: { name: string };
  /** The WebSocket API (`sst.aws.ApiGatewayWebSocket`): handlers post frames to `managementEndpoint`. */
  Realtime: { url: string; managementEndpoint: string };
  /** The handlers' per-stage settings (`sst.Linkable`; its schema is `@chat/functions/settings`). */
  Settings: object;
  /** The webhook deliveries (`sst.aws.Queue`): the integrations consumer sends, the deliverer reschedules. */
  WebhookQueue: { url: string };
  /** The VAPID key pair of Web Push (`sst.Secret`s; generated per run by the local stack). */
  VapidPublicKey: { value: string };
  VapidPrivateKey: { value: string };
  /** The fan-out worker (`sst.aws.Function`): the broadcaster invokes it asynchronously, one shard of a big room each. */
  FanOutWorker: { name: string };
}

/** The name of a linked resource. */
export type ResourceName = keyof LinkedResources;

/** Each linked resource's component name: the key itself, so a rename is a type error wherever one is created. */
export const Resources: { readonly [Name in ResourceName]: Name } = {
  Table: "Table",
  Realtime: "Realtime",
  Settings: "Settings",
  WebhookQueue: "WebhookQueue",
  VapidPublicKey: "VapidPublicKey",
  VapidPrivateKey: "VapidPrivateKey",
  FanOutWorker: "FanOutWorker",
};

/** The component type SST records in each link (`Resource.<Name>.type`). */
const linkTypes: { readonly [Name in ResourceName]: string } = {
  Table: "sst.aws.Dynamo",
  Realtime: "sst.aws.ApiGatewayWebSocket",
  Settings: "sst.sst.Linkable",
  WebhookQueue: "sst.aws.Queue",
  VapidPublicKey: "sst.sst.Secret",
  VapidPrivateKey: "sst.sst.Secret",
  FanOutWorker: "sst.aws.Function",
};

/** `SST_RESOURCE_<Name>`: the variable SST's `Resource` reads a resource from outside `sst dev`. */
export type ResourceVariable = `SST_RESOURCE_${ResourceName | "App"}`;

/** The table name a stage gets outside AWS (locally, in tests and benches). */
export const localTableName = (stage: string): string => `${appName}-${stage}`;

/**
 * The environment SST's `Resource` reads: `App` for the stage, and one variable per resource given, shaped as a
 * Lambda's links write them. Resources left out are absent, as for a handler not linked to them.
 */
export const resourceEnvironment = (
  stage: string,
  resources: Partial<LinkedResources>,
): Partial<Record<ResourceVariable, string>> => {
  const environment: Partial<Record<ResourceVariable, string>> = {
    SST_RESOURCE_App: JSON.stringify({ name: appName, stage }),
  };
  for (const name of Object.keys(linkTypes) as ResourceName[]) {
    const properties = resources[name];
    if (properties !== undefined) {
      environment[`SST_RESOURCE_${name}`] = JSON.stringify({ ...properties, type: linkTypes[name] });
    }
  }
  return environment;
};
