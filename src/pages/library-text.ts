/** The library page's words, in the page's four languages (en first; the others follow its keys). */
const en = {
  title: 'Your recordings',
  filters: 'Filters',
  room: 'Room (exact name)',
  search: 'Room name contains',
  status: 'Status',
  anyStatus: 'Any status',
  after: 'Created after',
  before: 'Created before',
  apply: 'Apply filters',
  reset: 'Clear filters',
  count: '{{n}} recording(s)',
  none: 'No recording matches.',
  select: 'Select',
  selectRecording: 'Select the recording of {{room}} from {{date}}',
  date: 'Date',
  expiry: 'Available until',
  noExpiry: 'Does not expire',
  expired: 'Expired',
  open: 'Open',
  selected: 'With the selected recordings',
  downloadZip: 'Download as ZIP',
  deleteSelected: 'Delete',
  confirmTitle: 'Delete these recordings?',
  confirmText: 'The {{n}} selected recording(s) and their files will be deleted for good.',
  confirm: 'Yes, delete them',
  cancel: 'Cancel',
  nothingSelected: 'Select at least one recording first.',
  deletedN: '{{n}} deleted.',
  refusedN: '{{n}} could not be deleted: {{detail}}',
  previous: 'Previous page',
  next: 'Next page',
  paging: 'Pages',
  pageN: 'Page {{n}}',
  badFilter: 'A filter is not valid: {{detail}}',
  needCredential: 'Sign in, or open this page from the application you record with, to see your recordings.',
  signIn: 'Sign in',
  loading: 'Loading…',
  failed: 'That did not work: {{detail}}',
};
export type LibraryKey = keyof typeof en;

const fr: Record<LibraryKey, string> = {
  title: 'Vos enregistrements', filters: 'Filtres', room: 'Salle (nom exact)', search: 'Le nom de la salle contient',
  status: 'Statut', anyStatus: 'Tous les statuts', after: 'Créé après le', before: 'Créé avant le', apply: 'Appliquer les filtres',
  reset: 'Effacer les filtres', count: '{{n}} enregistrement(s)', none: 'Aucun enregistrement ne correspond.', select: 'Choisir',
  selectRecording: "Choisir l'enregistrement de {{room}} du {{date}}", date: 'Date', expiry: "Disponible jusqu'au",
  noExpiry: "N'expire pas", expired: 'Expiré', open: 'Ouvrir', selected: 'Avec les enregistrements choisis',
  downloadZip: 'Télécharger en ZIP', deleteSelected: 'Supprimer', confirmTitle: 'Supprimer ces enregistrements ?',
  confirmText: 'Les {{n}} enregistrement(s) choisis et leurs fichiers seront supprimés définitivement.', confirm: 'Oui, les supprimer',
  cancel: 'Annuler', nothingSelected: "Choisissez d'abord au moins un enregistrement.", deletedN: '{{n}} supprimé(s).',
  refusedN: "{{n}} n'ont pas pu être supprimé(s) : {{detail}}", previous: 'Page précédente', next: 'Page suivante', paging: 'Pages',
  pageN: 'Page {{n}}', badFilter: "Un filtre n'est pas valide : {{detail}}",
  needCredential: "Connectez-vous, ou ouvrez cette page depuis l'application avec laquelle vous enregistrez.", signIn: 'Se connecter',
  loading: 'Chargement…', failed: "Cela n'a pas fonctionné : {{detail}}",
};
const de: Record<LibraryKey, string> = {
  title: 'Ihre Aufzeichnungen', filters: 'Filter', room: 'Raum (genauer Name)', search: 'Raumname enthält', status: 'Status',
  anyStatus: 'Jeder Status', after: 'Erstellt nach', before: 'Erstellt vor', apply: 'Filter anwenden', reset: 'Filter löschen',
  count: '{{n}} Aufzeichnung(en)', none: 'Keine Aufzeichnung passt.', select: 'Auswählen',
  selectRecording: 'Die Aufzeichnung von {{room}} vom {{date}} auswählen', date: 'Datum', expiry: 'Verfügbar bis',
  noExpiry: 'Läuft nicht ab', expired: 'Abgelaufen', open: 'Öffnen', selected: 'Mit den ausgewählten Aufzeichnungen',
  downloadZip: 'Als ZIP herunterladen', deleteSelected: 'Löschen', confirmTitle: 'Diese Aufzeichnungen löschen?',
  confirmText: 'Die {{n}} ausgewählte(n) Aufzeichnung(en) und ihre Dateien werden endgültig gelöscht.', confirm: 'Ja, löschen',
  cancel: 'Abbrechen', nothingSelected: 'Wählen Sie zuerst mindestens eine Aufzeichnung aus.', deletedN: '{{n}} gelöscht.',
  refusedN: '{{n}} konnte(n) nicht gelöscht werden: {{detail}}', previous: 'Vorherige Seite', next: 'Nächste Seite', paging: 'Seiten',
  pageN: 'Seite {{n}}', badFilter: 'Ein Filter ist ungültig: {{detail}}',
  needCredential: 'Melden Sie sich an oder öffnen Sie diese Seite aus der Anwendung, mit der Sie aufzeichnen.', signIn: 'Anmelden',
  loading: 'Wird geladen…', failed: 'Das hat nicht geklappt: {{detail}}',
};
const nl: Record<LibraryKey, string> = {
  title: 'Uw opnames', filters: 'Filters', room: 'Ruimte (exacte naam)', search: 'Naam van de ruimte bevat', status: 'Status',
  anyStatus: 'Elke status', after: 'Gemaakt na', before: 'Gemaakt voor', apply: 'Filters toepassen', reset: 'Filters wissen',
  count: '{{n}} opname(s)', none: 'Geen opname komt overeen.', select: 'Kiezen',
  selectRecording: 'De opname van {{room}} van {{date}} kiezen', date: 'Datum', expiry: 'Beschikbaar tot',
  noExpiry: 'Verloopt niet', expired: 'Verlopen', open: 'Openen', selected: 'Met de gekozen opnames',
  downloadZip: 'Downloaden als ZIP', deleteSelected: 'Verwijderen', confirmTitle: 'Deze opnames verwijderen?',
  confirmText: 'De {{n}} gekozen opname(s) en hun bestanden worden definitief verwijderd.', confirm: 'Ja, verwijderen',
  cancel: 'Annuleren', nothingSelected: 'Kies eerst minstens één opname.', deletedN: '{{n}} verwijderd.',
  refusedN: '{{n}} kon(den) niet worden verwijderd: {{detail}}', previous: 'Vorige pagina', next: 'Volgende pagina', paging: "Pagina's",
  pageN: 'Pagina {{n}}', badFilter: 'Een filter is ongeldig: {{detail}}',
  needCredential: 'Meld u aan, of open deze pagina vanuit de toepassing waarmee u opneemt.', signIn: 'Aanmelden',
  loading: 'Bezig met laden…', failed: 'Dat is niet gelukt: {{detail}}',
};

const TEXTS: Record<string, Record<LibraryKey, string>> = { en, fr, de, nl };

export type LibraryTranslate = (key: LibraryKey, vars?: Record<string, string>) => string;

export function libraryTranslator(language: string): LibraryTranslate {
  const texts = TEXTS[language] ?? en;
  return (key, vars = {}) => texts[key].replace(/\{\{(\w+)\}\}/g, (_, name: string) => vars[name] ?? '');
}
