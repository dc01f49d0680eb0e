#include <xlsxwriter.h>
#include <stdio.h>

/* Frees a workbook that will not be written (an export given up on), without
 * workbook_close(), which would assemble and zip the whole file only for it to be
 * deleted. In constant_memory mode each worksheet holds an open temporary file;
 * lxw_workbook_free() (1.1.4) frees memory but does not close those files, so they
 * are closed here first (they are already unlinked, so closing removes them). */
static inline void parley_workbook_abandon(lxw_workbook *workbook)
{
    lxw_worksheet *worksheet;

    if (!workbook)
        return;

    if (workbook->worksheets) {
        STAILQ_FOREACH(worksheet, workbook->worksheets, list_pointers) {
            if (worksheet->optimize_tmpfile) {
                fclose(worksheet->optimize_tmpfile);
                worksheet->optimize_tmpfile = NULL;
                worksheet->file = NULL;
            }
        }
    }

    lxw_workbook_free(workbook);
}
