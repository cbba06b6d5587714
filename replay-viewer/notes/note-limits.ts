/** Limits of a note, shared by the API (notes-routes.ts) and the player's notes panel. Dependency-free: the UI bundles it. */

/** What a person writes on a moment: a few sentences, not a document. */
export const MAX_NOTE_LENGTH = 2_000;
