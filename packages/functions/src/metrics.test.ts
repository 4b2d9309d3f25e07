import { afterEach, describe, expect, it, vi } from "vitest";
import { httpEvent, uniqueId } from "../test/events";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("metrics", () => {
  it("emits MessagesPosted and MessageLength as CloudWatch EMF, namespace Chat, dimension Stage", async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = "false";
    const { handler } = await import("./http/send-message");
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const roomId = uniqueId("room");

    await handler(
      httpEvent({
        routeKey: "POST /rooms/{roomId}/messages",
        path: `/rooms/${roomId}/messages`,
        pathParameters: { roomId },
        body: JSON.stringify({ userId: "u1", username: "alice", text: "héllo" }),
      }),
    );

    const emf = lines.map((line) => JSON.parse(line)).find((entry) => entry._aws);
    expect(emf).toMatchObject({ MessagesPosted: 1, MessageLength: 5, Stage: "test" });
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: "Chat" });
    expect(emf._aws.CloudWatchMetrics[0].Dimensions[0]).toContain("Stage");
  });
});
