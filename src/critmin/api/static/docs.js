/* The interactive API docs: Swagger UI (served from this server, no CDN) over /openapi.json.
 * Kept out of docs.html so the Content-Security-Policy can forbid inline scripts. */
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    tryItOutEnabled: true,
    displayRequestDuration: true,
    validatorUrl: null,
    persistAuthorization: false,
  });
});
