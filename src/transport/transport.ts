/**
 * A Transport turns a Request into a Response. The Client owns one (or several,
 * with `mounts`) and never touches sockets itself; tests can swap in a
 * MockTransport without changing the code under test.
 */
import type { Request } from "./request.js";
import type { Response } from "./response.js";

export interface Transport {
  handleRequest(request: Request): Promise<Response>;
  close(): Promise<void>;
}
