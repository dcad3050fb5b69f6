// Runs only when its bytes match the page's integrity attribute.
document.documentElement.dataset.staticHash = "ready";
document.getElementById("status").textContent = "site.js ran.";
