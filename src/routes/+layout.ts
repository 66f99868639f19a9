// Every page is prerendered to static HTML (adapter-static); nothing runs on a server.
export const prerender = true;
