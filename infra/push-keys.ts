import { vapidSecrets } from "@chat/functions/integrations/settings";

/** The VAPID key pair of Web Push (`npx web-push generate-vapid-keys`, then `sst secret set` each half). */
export const vapidPublicKey = new sst.Secret(vapidSecrets.publicKey);
export const vapidPrivateKey = new sst.Secret(vapidSecrets.privateKey);
