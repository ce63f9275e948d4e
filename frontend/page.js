// Until the real views land, each placeholder page says what it will be.
document.querySelectorAll("[data-path]").forEach((el) => {
  el.textContent = location.pathname;
});
