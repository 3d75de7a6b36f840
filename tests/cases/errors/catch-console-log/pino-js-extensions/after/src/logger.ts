import { pino } from "pino";

const log = pino();
export default log;
