import { vapidSecrets } from "@chat/functions/integrations/settings";
import { stageConfig } from "./stage-config";

/**
 * The VAPID key pair of Web Push, on stages that turn push on (`CHAT_PUSH_SUBJECT`): `npx web-push
 * generate-vapid-keys`, then `sst secret set VapidPublicKey ...` and `sst secret set VapidPrivateKey ...`.
 */
export const vapid = stageConfig($app.stage).settings.integrations.push
  ? { publicKey: new sst.Secret(vapidSecrets.publicKey), privateKey: new sst.Secret(vapidSecrets.privateKey) }
  : null;
