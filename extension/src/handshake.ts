/**
 * How the isolated-world content script hands the per-page secret to the
 * main-world config script. Both run at document_start, before any page script,
 * so no page listener exists yet to overhear it. The manifest lists the isolated
 * script first (scripts are injected in manifest order): it listens for the main
 * world's hello and answers synchronously, before the recorder bundle runs.
 */
export const SECRET_EVENT = 'verbatim:ext-secret';
export const HELLO_EVENT = 'verbatim:ext-hello';
/** The main world has the secret: the isolated side stops answering hellos (a page could send one later). */
export const ACK_EVENT = 'verbatim:ext-ack';
