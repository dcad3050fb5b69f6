export function createCounter() {
  return {
    value: 0,
    increment() {
      this.value++;
    },
  };
}
