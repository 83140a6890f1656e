// `check --client vercel-ai-ui`: one recorded exchange through the Vercel AI SDK's chat client.
//
// What `useChat` runs in a browser, without React: the SDK's AbstractChat (status, error,
// messages, onFinish) over its DefaultChatTransport, whose fetch answers with the recording (its
// status, headers and body chunks; a recorded reset errors the body as undici does, `TypeError:
// terminated`). Reads {modules, status, headers, chunks: [base64], end} as JSON on stdin and
// prints what the app holds afterwards as one JSON line. No network: fetch is replaced.
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (part) => (text += part));
  process.stdin.on("end", () => resolve(text));
}));
// What the SDK imports stays under `roots` (vercel_ai_ui_hooks.mjs); a failure to load it is
// exit 3 with one line, which streamcheck reports as an unusable install (exit 2).
register("./vercel_ai_ui_hooks.mjs", import.meta.url, { data: { roots: input.roots } });
const require = createRequire(input.modules + "/");
let ai;
try {
  ai = await import(pathToFileURL(require.resolve("ai")).href);
} catch (error) {
  process.stderr.write(`streamcheck-load: ${String(error?.message ?? error).split("\n")[0]}\n`);
  process.exit(3);
}
const version = require("ai/package.json").version;

class State {
  constructor() {
    this.status = "ready";
    this.error = undefined;
    this.messages = [];
  }
  pushMessage(message) { this.messages = this.messages.concat(message); }
  popMessage() { this.messages = this.messages.slice(0, -1); }
  replaceMessage(index, message) {
    this.messages = this.messages.map((old, i) => (i === index ? message : old));
  }
  snapshot(thing) { return structuredClone(thing); }
}

class Chat extends ai.AbstractChat {
  constructor(options) { super({ ...options, state: new State() }); }
}

let chunks = 0;
let finishChunk = false;
// The SDK's own transport; only the chunk count is read off its parsed stream on the way.
class Transport extends ai.DefaultChatTransport {
  processResponseStream(stream) {
    return super.processResponseStream(stream).pipeThrough(new TransformStream({
      transform(chunk, controller) {
        chunks += 1;
        if (chunk && chunk.type === "finish") finishChunk = true;
        controller.enqueue(chunk);
      },
    }));
  }
}

const body = new ReadableStream({
  start(controller) {
    for (const chunk of input.chunks) controller.enqueue(Buffer.from(chunk, "base64"));
    if (input.end === "reset") controller.error(new TypeError("terminated"));
    else controller.close();
  },
});
const replay = async () => new Response(body, { status: input.status ?? 200, headers: input.headers });

let finished = null;
const chat = new Chat({
  transport: new Transport({ api: "http://127.0.0.1:9/api/chat", fetch: replay }),
  onFinish: (event) => {
    finished = {
      isAbort: event.isAbort,
      isDisconnect: event.isDisconnect,
      isError: event.isError,
      finishReason: event.finishReason ?? null,
    };
  },
  onError: () => {},
});
await chat.sendMessage({ text: "ping" });

const last = chat.messages.at(-1);
const parts = last && last.role === "assistant" ? last.parts : [];
let text = "";
const calls = [];
for (const part of parts) {
  if (part.type === "text") text += part.text;
  else if (part.type === "dynamic-tool" || part.type.startsWith("tool-")) {
    calls.push({
      id: part.toolCallId ?? null,
      name: part.type === "dynamic-tool" ? part.toolName : part.type.slice(5),
      arguments: part.input === undefined ? (part.rawInput ?? "") : JSON.stringify(part.input),
      state: part.state ?? null,
    });
  }
}
const error = chat.error;
process.stdout.write(JSON.stringify({
  version,
  status: chat.status,
  error: error ? { name: error.constructor?.name ?? "Error", message: String(error.message ?? error) } : null,
  finished,
  finishChunk,
  chunks,
  text,
  calls,
}) + "\n");
