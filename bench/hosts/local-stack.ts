import { startLocalStack } from "@chat/local";

// The whole local stack (DynamoDB Local, both API emulations, the stream poller and the handlers), in a process
// of its own: the load generators and WebSocket clients of the bench play the part of the remote callers.
const stack = await startLocalStack({
  httpPort: 0,
  wsPort: 0,
  tableName: "chat-bench",
  // The bench measures the write path, not the limiter's refusals: the counters are still written on every send.
  limits: { sendsPerMinute: 1_000_000_000, connectionsPerUser: 1_000_000 },
});

export const endpoints = () => ({
  httpUrl: stack.httpUrl,
  wsUrl: stack.wsUrl,
  dynamoEndpoint: stack.dynamoEndpoint,
});

export const sendToAll = (data: string): number => stack.sendToAll(data);

export const stop = () => stack.stop();
