/* sm_demo.h - a believable Fujian deployment for demonstrations (init --demo). */
#ifndef SM_DEMO_H
#define SM_DEMO_H

#include "sm_app.h"
#include "sm_err.h"

/* Fill an empty database with offices, users, units and cases in every state,
 * all made through the workflow so every rule and audit record holds.  The
 * acting user of APP is changed while it works and restored after. */
sm_status sm_demo_build(sm_app *app, sm_err *err);

#endif
