// Observable Framework configuration for the faultline notebook site.
export default {
  root: "docs",
  title: "faultline",
  pages: [
    { name: "Overview", path: "/" },
    {
      name: "Notebooks",
      pages: [
        { name: "FAULT_FLAG_RETRY_NOWAIT", path: "/nowait" },
        { name: "GUP with pages == NULL", path: "/prefault" },
      ],
    },
    { name: "Playground", path: "/playground" },
    { name: "API reference", path: "/api/" },
  ],
  // The default theme's web fonts come from a CDN; the site must work offline.
  globalStylesheets: [],
  style: "style.css",
  search: true,
  // An inline icon: no favicon request, nothing fetched from elsewhere.
  head: `<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M1 13 L6 3 L9 9 L11 6 L15 13' fill='none' stroke='%23e41a1c' stroke-width='2'/%3E%3C/svg%3E">`,
  footer: "faultline: executable models of Linux memory-management design debates.",
};
