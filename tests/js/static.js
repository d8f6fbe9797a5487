// Where the web client's modules live, for the tests to import them.
export const STATIC_JS = new URL('../../services/chatcluster/gateway/static/js/', import.meta.url);
export const load = (name) => import(new URL(name, STATIC_JS));
