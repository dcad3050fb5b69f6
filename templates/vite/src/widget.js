// A small Vite-built widget: a counter, its own CSS, and a module it imports.
import { createCounter } from "./counter.js";
import "./widget.css";

const root = document.getElementById("vite-widget");
if (root) {
  const counter = createCounter();
  const button = document.createElement("button");
  button.type = "button";
  const show = () => (button.textContent = `Vite widget: clicked ${counter.value} times`);
  button.addEventListener("click", () => {
    counter.increment();
    show();
  });
  show();
  root.replaceChildren(button);
  root.dataset.state = import.meta.hot ? "running (dev server)" : "running (built)";
}
