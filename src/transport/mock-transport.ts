/**
 * MockTransport: answers every request by calling a handler, with no network at
 * all. For testing code that uses a Client:
 *
 *   const client = new Client({ transport: new MockTransport((req) => new Response(200, { json: { ok: true } })) });
 */
import type { Request } from "./request.js";
import type { Response } from "./response.js";
import type { Transport } from "./transport.js";

export type MockHandler = (request: Request) => Response | Promise<Response>;

export class MockTransport implements Transport {
  private readonly handler: MockHandler;

  constructor(handler: MockHandler) {
    this.handler = handler;
  }

  async handleRequest(request: Request): Promise<Response> {
    const response = await this.handler(request);
    response.request ??= request;
    return response;
  }

  async close(): Promise<void> {}
}
