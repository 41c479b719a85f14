/* amount.h - what a stored submission costs (issue 12, point 6): the
 * catalogue's fee (model/fee.h, the same function the service page
 * describes it with) applied to the STORED answers, never to anything
 * the browser sends with the payment. */
#ifndef PAYMENT_AMOUNT_H
#define PAYMENT_AMOUNT_H
#include "model/catalog.h"
#include "store/submission.h"

/* Cents to pay; 0 when the service has no fee here or the answers make it
 * free; -1 when the stored answers do not fit the fee (a count that is
 * not 1 to FEE_MAX_COPIES): the caller refuses to ask for money then. */
long long pay_amount(const struct city_service *cs, const struct submission *sub);
#endif
