// Express 4 installed under the alias `express4` (npm:express@4): its API as the tests use it is Express 5's.
declare module "express4" {
  import express from "express";
  export default express;
}
