// Applies the saved theme before the first paint (a blocking classic script; see shell.html).
(function () {
  try {
    var theme = localStorage.getItem("smartcity.theme");
    if (theme === "dark" || theme === "light") document.documentElement.dataset.theme = theme;
  } catch (e) { /* storage disabled: the system preference applies */ }
})();
