document.documentElement.dataset.staticHash = "ready";
