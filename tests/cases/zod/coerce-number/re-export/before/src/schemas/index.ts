export * from "./user";
export { Order as OrderParams } from "./order";
