// Frames from the server's socket: parsed, then handed to the handler of their type.
// Pure: server_events.js holds the handlers, transport.js the socket.

// The frame in a socket message, or null for anything that is not a JSON object with a type.
export function parseFrame(data) {
  if (typeof data !== 'string') return null;
  let frame;
  try {
    frame = JSON.parse(data);
  } catch {
    return null;
  }
  if (!frame || typeof frame !== 'object' || Array.isArray(frame) || typeof frame.type !== 'string') return null;
  return frame;
}

// A function that calls handlers[frame.type](frame, info) and says whether a handler took it;
// frame types the page does not know (a newer server) are ignored.
export function createDispatcher(handlers) {
  const table = new Map(Object.entries(handlers));
  return (frame, info) => {
    const handler = table.get(frame.type);
    if (!handler) return false;
    handler(frame, info);
    return true;
  };
}
