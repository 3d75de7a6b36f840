import { UserBody } from "./user";

export { UserBody as SignupForm };
