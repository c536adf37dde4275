/** Per-test cleanup: servers, pools and clients a test makes are closed after it, last first. */
import { afterEach } from "vitest";
import type { TestServer } from "./servers.js";

export function useCleanup(): { defer(task: () => unknown): void; serve(server: Promise<TestServer>): Promise<TestServer> } {
  const tasks: (() => unknown)[] = [];
  afterEach(async () => {
    while (tasks.length) await tasks.pop()!();
  });
  return {
    defer: (task) => void tasks.push(task),
    serve: async (server) => {
      const s = await server;
      tasks.push(() => s.close());
      return s;
    },
  };
}
