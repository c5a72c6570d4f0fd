/** Offline plans, part 1 of 2: the stacks are shared out so that Jest plans them in parallel. */
import { describeOfflinePlans } from "./offline-plan";

describeOfflinePlans(1, 2);
